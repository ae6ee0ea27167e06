//! `make bench`: the three functions' release binaries run as Lambda runs them (under a local
//! Runtime API), against a moto SQS and the Octopus simulator on loopback, measured against the
//! budgets. Benchmarks, not tests: the machine is shared and noisy, so figures are reported as
//! measured and only the budgets decide the exit code.

pub mod report;
pub mod scenarios;
pub mod stats;
pub mod sweep;

use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::Moto;
use octopus_sim::Simulator;

use crate::report::Measurements;
use crate::scenarios::{Function, Secrets, Stage};
use crate::sweep::SweepScenario;

/// Why a measurement could not be made.
pub type BenchError = harness::lambda::LambdaError;

/// Where the binaries and zips are, relative to the workspace root.
#[derive(Debug, Clone)]
pub struct Artifacts {
    pub accept_binary: PathBuf,
    pub process_binary: PathBuf,
    pub sweep_binary: PathBuf,
    pub accept_zip: PathBuf,
    pub process_zip: PathBuf,
    pub sweep_zip: PathBuf,
}

impl Artifacts {
    pub fn under(root: &Path) -> Self {
        Self {
            accept_binary: root.join("target/release/accept-message"),
            process_binary: root.join("target/release/process-message"),
            sweep_binary: root.join("target/release/sweep-interruptions"),
            accept_zip: root.join("target/lambda/accept-message/bootstrap.zip"),
            process_zip: root.join("target/lambda/process-message/bootstrap.zip"),
            sweep_zip: root.join("target/lambda/sweep-interruptions/bootstrap.zip"),
        }
    }
}

pub async fn run(artifacts: &Artifacts, cold_starts: usize) -> Result<Measurements, BenchError> {
    let moto = Moto::start()?;
    let aws = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let (queue_url, _dlq) = moto.create_queue_pair(&sqs, false, 5).await?;
    let sim = Simulator::start().await?;
    let sweep_sim = Simulator::start().await?;
    if sweep_sim.api_key() != sim.api_key() {
        return Err("the simulators' API keys differ: the SSM parameter holds only one".into());
    }
    let sweep_scenario = SweepScenario::set_up(&sweep_sim)?;
    let (sweep_queue_url, _) = moto.create_queue_pair(&sqs, true, 5).await?;
    let (sweep_check_queue_url, _) = moto.create_queue_pair(&sqs, true, 5).await?;
    let notices = harness::notices::NoticeChannel::create(&aws, notify::KEY_ATTRIBUTE).await?;
    let ssm = aws_sdk_ssm::Client::new(&aws);
    for (name, value) in [
        (scenarios::TOKEN_PARAMETER, scenarios::TOKEN),
        (scenarios::API_KEY_PARAMETER, sim.api_key()),
    ] {
        ssm.put_parameter()
            .name(name)
            .value(value)
            .overwrite(true)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await?;
    }
    let stage = Stage {
        sim,
        sqs,
        queue_url,
        moto_endpoint: moto.endpoint().to_owned(),
        accept_binary: artifacts.accept_binary.clone(),
        process_binary: artifacts.process_binary.clone(),
        sweep_binary: artifacts.sweep_binary.clone(),
        sweep_sim,
        sweep_scenario,
        sweep_queue_url,
        sweep_check_queue_url,
        notices,
    };
    eprintln!("cold starts ...");
    let accept_cold = stage
        .cold_starts(Function::Accept, Secrets::Inline, cold_starts)
        .await?;
    let process_cold = stage
        .cold_starts(Function::Process, Secrets::Inline, cold_starts)
        .await?;
    let sweep_cold = stage.cold_starts(Function::Sweep, Secrets::Inline, cold_starts).await?;
    let accept_cold_ssm = stage.cold_starts(Function::Accept, Secrets::Ssm, cold_starts).await?;
    let process_cold_ssm = stage.cold_starts(Function::Process, Secrets::Ssm, cold_starts).await?;
    let sweep_cold_ssm = stage.cold_starts(Function::Sweep, Secrets::Ssm, cold_starts).await?;
    eprintln!("memory ...");
    let accept_rss_kib = stage.accept_peak_rss().await?;
    let process_rss_kib = stage.process_peak_rss().await?;
    let sweep_rss_kib = stage.sweep_peak_rss().await?;
    eprintln!("round trips ...");
    let latency = Duration::from_millis(50);
    let round_trips = stage.round_trips(latency).await?;
    let sweep = stage.sweep_round_trips(latency).await?;
    eprintln!("accept-message handler ...");
    let (accept_overhead_mean, accept_overhead_p99) = scenarios::accept_overhead(&stage, 5_000).await?;
    let accept_rps = scenarios::accept_throughput(&stage, 300, 8).await?;
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let measurements = Measurements {
        cold_starts,
        accept_cold,
        process_cold,
        sweep_cold,
        accept_cold_ssm,
        process_cold_ssm,
        sweep_cold_ssm,
        accept_rss_kib,
        process_rss_kib,
        sweep_rss_kib,
        accept_zip_bytes: size(&artifacts.accept_zip),
        process_zip_bytes: size(&artifacts.process_zip),
        sweep_zip_bytes: size(&artifacts.sweep_zip),
        latency,
        round_trips,
        sweep_scenario: stage.sweep_scenario.clone(),
        sweep,
        accept_overhead_mean,
        accept_overhead_p99,
        accept_rps,
    };
    stage.sim.shutdown().await;
    stage.sweep_sim.shutdown().await;
    drop(moto);
    Ok(measurements)
}
