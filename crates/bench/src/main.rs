//! `make bench`: measures, prints the table, writes the JSON report and the performance page,
//! exits non-zero when a budget is missed. Arguments: the workspace root, the JSON path, the
//! Markdown page path, cold starts per function.

use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let json_path = PathBuf::from(args.next().unwrap_or_else(|| "target/bench/report.json".into()));
    let page_path = PathBuf::from(args.next().unwrap_or_else(|| "docs/performance.md".into()));
    let runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(15);
    let measurements = match bench::run(&bench::Artifacts::under(&root), runs).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("bench failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", measurements.to_markdown());
    let written = json_path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&json_path, format!("{:#}\n", measurements.to_json())))
        .and_then(|()| std::fs::write(&page_path, measurements.to_page()));
    if let Err(e) = written {
        eprintln!("could not write the report: {e}");
        return ExitCode::FAILURE;
    }
    let missed: Vec<_> = measurements.budgets().into_iter().filter(|b| !b.met).collect();
    for budget in &missed {
        eprintln!(
            "budget missed: {} = {} (limit {})",
            budget.what, budget.measured, budget.limit
        );
    }
    if missed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
