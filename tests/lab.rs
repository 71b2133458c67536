//! The crawler against the lab.

use disclose::lab::run::{RunOptions, run};
use disclose::lab::{LabConfig, scenario::Mix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_yields_its_expected_outcome() {
    let config = LabConfig {
        domains: 2000,
        seed: 7,
        mix: Mix::Realistic,
    };
    let options = RunOptions {
        concurrency: 256,
        per_ip_concurrency: 2,
        db: Some("/tmp/lab-debug.db".into()),
        progress: false,
    };
    let (verdict, summary) = run(&config, &options).await.unwrap();
    for w in &verdict.wrong {
        eprintln!(
            "{:?} {}: expected {}, got {}",
            w.scenario, w.domain, w.expected, w.actual
        );
    }
    eprintln!("{summary}");
    eprintln!("politeness: {:?}", verdict.politeness);
    assert!(
        verdict.all_correct(),
        "{} of {} correct",
        verdict.correct,
        verdict.domains
    );
}
