//! Local demo server: starts the simulator with one guided failure and one manual intervention
//! pending, prints how to reach it, and serves until killed.
//!
//! `cargo run -p octopus-sim --example serve`

use octopus_sim::Simulator;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let sim = Simulator::start().await?;
    let deployment = sim.add_deployment("Spaces-1");
    sim.set_retry_outcome(&deployment, 1);
    let gf = sim.raise_guided_failure(&deployment, &[]);
    let approval = sim.add_deployment("Spaces-1");
    let mi = sim.raise_manual_intervention(&approval);
    println!("Octopus simulator at {}", sim.base_url());
    println!("X-Octopus-ApiKey: {}", sim.api_key());
    println!(
        "guided failure {} (event {}), manual intervention {} (event {})",
        gf.interruption_id, gf.event_id, mi.interruption_id, mi.event_id
    );
    if let Some(body) = sim.webhook_body(&gf.event_id, "X-Responder-Token", "demo") {
        println!("webhook body for {}:\n{body:#}", gf.event_id);
    }
    std::future::pending::<()>().await;
    Ok(())
}
