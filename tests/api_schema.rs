//! The JSON API against its own OpenAPI document: schemathesis fuzzes a real `fonds demo`.
//!
//! Needs schemathesis (`$FONDS_SCHEMATHESIS`, default `target/test-tools/venv/bin/schemathesis`,
//! pinned and installed by `scripts/test.sh`). Without it this test skips, or fails under
//! `FONDS_TEST_TOOLS=required`. The run is deterministic (derandomized generation, no example
//! database) and bounded (examples per operation, request timeout, a time limit).

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::{DemoServer, Tools, run_bounded};

/// A full run takes well under a minute; this is the backstop.
const SCHEMATHESIS_TIME_LIMIT: Duration = Duration::from_secs(240);

/// Test cases per operation and phase; enough to find the edge cases, small enough to stay quick.
const MAX_EXAMPLES: &str = "100";

/// Real values mixed into half the generated ones: random ids only ever find 404s, and random
/// queries few hits, so without these the schema of a document and of a hit would go unchecked.
const CONFIG: &str = r#"
[dictionaries.document-ids]
values = ["wcda-134278", "wcda-113729", "frus1894Nicaragua-d1", "frus1894Nicaragua-d40"]

[dictionaries.queries]
values = ["38th parallel", "Сталину", "Mosquito", "\"38th parallel\"", "divisions AND Korea",
          "title:cable", "-Korea", "type:Telegram OR lang:ru"]

[[operations]]
include-name = "GET /api/documents/{id}"
parameters = { "path.id" = { dictionary = "document-ids", probability = 0.5 } }

[[operations]]
include-name = "GET /api/search"
parameters = { "query.q" = { dictionary = "queries", probability = 0.5 } }
"#;

/// Checks left out, each because it cannot apply to this API (never because the server fails it):
const EXCLUDED_CHECKS: &[&str] = &[
    // none: the API is public and read-only, so the authorization and resource-lifecycle checks
    // (ignored_auth, object_level_authorization, use_after_free, ensure_resource_availability)
    // find nothing to test and pass on their own; every other check applies as it stands.
];

#[test]
fn json_api_conforms_to_its_openapi_document() {
    let mut tools = Tools::new("API schema tests");
    let schemathesis = tools.file(
        "FONDS_SCHEMATHESIS",
        PathBuf::from("target/test-tools/venv/bin/schemathesis"),
        "schemathesis",
    );
    if !tools.ready() {
        return;
    }

    let mut server = DemoServer::start();
    // Run it in a scratch folder: no schemathesis.toml of a parent applies, and its reports and
    // caches are left there.
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let config = scratch.path().join("schemathesis.toml");
    std::fs::write(&config, CONFIG).expect("write schemathesis.toml");
    let mut command = Command::new(&schemathesis);
    command
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("{}/openapi.json", server.url))
        // Requests go to this server, whatever `servers` the document names; its base path stays.
        .args(["--origin", &server.url])
        .args(["--checks", "all"])
        .args(["--max-examples", MAX_EXAMPLES])
        // The same cases every run (a fixed derandomized search, which also keeps no database).
        .arg("--generation-deterministic")
        .args(["--workers", "1", "--request-timeout", "10"])
        // Report every failing case of an operation, not only its first.
        .arg("--continue-on-failure")
        .args(["--no-color", "--output-truncate", "false"])
        .current_dir(scratch.path())
        .env("NO_COLOR", "1");
    if !EXCLUDED_CHECKS.is_empty() {
        command.args(["--exclude-checks", &EXCLUDED_CHECKS.join(",")]);
    }
    let run = run_bounded(&mut command, SCHEMATHESIS_TIME_LIMIT);
    server.assert_running();
    assert!(
        run.success(),
        "schemathesis found the API at odds with {}/openapi.json ({}):\n{}\n--- server output ---\n{}",
        server.url,
        run.describe(),
        run.output,
        server.output()
    );
    eprintln!("schemathesis passed in {:.1}s", run.elapsed.as_secs_f64());
}
