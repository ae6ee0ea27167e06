//! The rules files beside the environments' tfvars are valid, and so is the example their
//! comments show (uncommented as a person would).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use octo_responder_cli::rules;

fn file(env: &str) -> (String, String) {
    let path = format!("{}/../../infra/envs/{env}.rules.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

#[test]
fn every_environments_rules_file_is_valid() {
    for env in ["dev", "staging", "prod"] {
        let (path, text) = file(env);
        rules::parse(&path, &text).unwrap();
    }
}

#[test]
fn the_commented_example_is_a_valid_rules_file_once_uncommented() {
    let (path, text) = file("dev");
    let example: String = text
        .split_once("# Examples")
        .unwrap()
        .1
        .lines()
        .skip(1)
        .map(|line| {
            line.strip_prefix("# ")
                .or_else(|| line.strip_prefix('#'))
                .unwrap_or(line)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let parsed = rules::parse(&path, &example).unwrap();
    let names: Vec<&str> = parsed.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["retry-web", "approve-dev-changes"]);
    assert_eq!(
        parsed[0].rule.to_string(),
        "type=Guidance action=Retry maximumretry=2 then=Exclude"
    );
}
