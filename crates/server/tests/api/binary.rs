//! The real `countersign-server` binary: the demo command and the admin CLI.

use crate::support::read;
use countersign_server::trail::Trail;
use reqwest::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_countersign-server");

/// Kills the child when the test ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads the child's stdout until the line that ends the demo banner (bounded).
fn banner(child: &mut Child) -> Vec<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = vec![];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => {
                let last = line.starts_with("Sign in");
                lines.push(line);
                if last {
                    return lines;
                }
            }
            Err(_) => panic!("the demo printed {lines:?} and then nothing"),
        }
    }
}

#[tokio::test]
async fn the_demo_command_prints_how_to_sign_in_and_serves_the_demo_queue() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--extra-drafts", "300"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = banner(&mut child);
    let _child = KillOnDrop(child);

    let find = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {lines:?}"))
            .trim()
            .to_owned()
    };
    let url = find("Countersign demo is running at ");
    let password = find("Demo password for every account: ");
    let username = lines[2].split_whitespace().next().unwrap().to_owned();
    assert!(lines.iter().any(|l| l.contains("spokesperson")));

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{url}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the demo server never answered at {url}");

    let (status, session) = read(
        http.post(format!("{url}/api/v1/sessions"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["access_token"].as_str().unwrap();
    let (status, page) = read(
        http.get(format!("{url}/api/v1/changes?limit=2000"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let drafts = page["changes"].as_array().unwrap().len();
    assert!(drafts >= 60, "{username} sees only {drafts} drafts");

    // The administrator sees every draft: the demo's 66 and the 300 extra.
    let (_, admin) = read(
        http.post(format!("{url}/api/v1/sessions"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, page) = read(
        http.get(format!("{url}/api/v1/changes?limit=2000"))
            .bearer_auth(admin["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let all = page["changes"].as_array().unwrap().len();
    assert_eq!(all, 66 + 300, "the administrator's feed");
}

/// Runs `countersign-server ARGS` (with `stdin`); whether it succeeded, and its stdout then
/// stderr.
pub fn cli(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn the_cli_adds_lists_and_disables_users() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out) = cli(&["team", "add", "--data-dir", data, "--name", "Care"], None);
    assert!(ok, "{out}");
    let add = [
        "user",
        "add",
        "--data-dir",
        data,
        "--username",
        "Ana",
        "--display-name",
        "Ana Silva",
        "--role",
        "reviewer",
        "--team",
        "Care",
        "--password-stdin",
    ];
    let (ok, out) = cli(&add, Some("a long enough password\n"));
    assert!(ok, "{out}");
    let (ok, out) = cli(&add, Some("a long enough password\n"));
    assert!(!ok, "a second ana must be refused: {out}");
    let (ok, out) = cli(
        &[
            "user",
            "add",
            "--data-dir",
            data,
            "--username",
            "bo",
            "--display-name",
            "Bo",
            "--role",
            "boss",
            "--password-stdin",
        ],
        Some("whatever12\n"),
    );
    assert!(!ok && out.contains("unknown role"), "{out}");

    let (ok, out) = cli(&["user", "list", "--data-dir", data], None);
    assert!(ok, "{out}");
    assert!(
        out.contains("ana") && out.contains("steps=review") && out.contains("teams=Care"),
        "{out}"
    );
    assert!(!out.contains("[disabled]"));

    let (ok, out) = cli(
        &[
            "user",
            "totp",
            "enroll",
            "--data-dir",
            data,
            "--username",
            "ana",
        ],
        None,
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("otpauth://totp/Countersign:ana?secret=")
            && out.contains("issuer=Countersign"),
        "enrolling must print the otpauth URL: {out}"
    );
    assert!(out.contains("authenticator app"), "{out}");
    let (ok, out) = cli(
        &[
            "user",
            "totp",
            "remove",
            "--data-dir",
            data,
            "--username",
            "ana",
        ],
        None,
    );
    assert!(ok && out.contains("password alone"), "{out}");
    let (ok, out) = cli(
        &[
            "user",
            "totp",
            "enroll",
            "--data-dir",
            data,
            "--username",
            "nobody",
        ],
        None,
    );
    assert!(!ok && out.contains("no user named"), "{out}");

    let (ok, out) = cli(
        &["user", "disable", "--data-dir", data, "--username", "ana"],
        None,
    );
    assert!(ok, "{out}");
    let (_, out) = cli(&["user", "list", "--data-dir", data], None);
    assert!(out.contains("[disabled]"), "{out}");
}

/// Runs `countersign-server ARGS --data-dir DATA`; what it printed, or the test fails
/// naming the command.
fn run(data: &str, args: &[&str], succeeds: bool) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--data-dir", data]);
    let stdin = (args[..2] == ["user", "add"]).then_some("a long enough password\n");
    let (ok, out) = cli(&all, stdin);
    assert_eq!(
        ok,
        succeeds,
        "`countersign-server {}` must {}: {out}",
        args.join(" "),
        if succeeds { "succeed" } else { "fail" }
    );
    out
}

#[tokio::test]
async fn the_cli_sets_channels_crisis_accounts_leavers_and_2fa_and_reports_access() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    run(data, &["team", "add", "--name", "Care"], true);
    run(data, &["team", "add", "--name", "Brand"], true);
    for (username, role) in [
        ("ana", "reviewer"),
        ("sam", "spokesperson"),
        ("bo", "author"),
        ("cy", "author"),
    ] {
        let add = [
            "user",
            "add",
            "--username",
            username,
            "--display-name",
            username,
            "--role",
            role,
            "--team",
            "Care",
            "--password-stdin",
        ];
        run(data, &add, true);
    }

    // Channels and their policies.
    let add_channel = [
        "channel",
        "add",
        "--name",
        "care-x",
        "--network",
        "x",
        "--account",
        "@care_example",
        "--team",
        "Care",
        "--step",
        "review",
    ];
    let out = run(data, &add_channel, true);
    assert!(out.contains("added channel care-x"), "{out}");
    let out = run(
        data,
        &[
            "channel",
            "add",
            "--name",
            "bad",
            "--network",
            "x",
            "--account",
            "@bad",
            "--team",
            "Care",
            "--step",
            "legal:0",
        ],
        false,
    );
    assert!(out.contains("quorum"), "a zero quorum is refused: {out}");
    let out = run(
        data,
        &["channel", "set", "care-x", "--step", "review:2"],
        true,
    );
    assert!(out.contains("care-x now needs review:2"), "{out}");
    let out = run(data, &["channel", "list"], true);
    assert!(
        out.contains("care-x") && out.contains("team=Care") && out.contains("steps=review:2"),
        "{out}"
    );

    // Crisis mode.
    let out = run(
        data,
        &[
            "crisis",
            "on",
            "--reason",
            "Fire at the Leeds store",
            "--channel",
            "care-x",
        ],
        true,
    );
    assert!(
        out.contains("crisis mode is ON") && out.contains("Fire at the Leeds store"),
        "{out}"
    );
    let out = run(data, &["crisis", "status"], true);
    assert!(
        out.contains("care-x") && out.contains("may approve: sam"),
        "the status names who may approve: {out}"
    );
    let out = run(data, &["crisis", "off"], true);
    assert!(out.contains("crisis mode is off"), "{out}");
    run(data, &["crisis", "off"], false);

    // Roles, teams, steps and channels of an account.
    for (args, shows) in [
        (
            vec![
                "user",
                "role",
                "add",
                "--username",
                "ana",
                "--role",
                "spokesperson",
            ],
            "roles=reviewer,spokesperson",
        ),
        (
            vec![
                "user",
                "role",
                "remove",
                "--username",
                "ana",
                "--role",
                "spokesperson",
            ],
            "roles=reviewer ",
        ),
        (
            vec![
                "user",
                "team",
                "add",
                "--username",
                "ana",
                "--team",
                "Brand",
            ],
            "teams=Brand, Care",
        ),
        (
            vec![
                "user",
                "team",
                "remove",
                "--username",
                "ana",
                "--team",
                "Brand",
            ],
            "teams=Care ",
        ),
        (
            vec![
                "user",
                "step",
                "add",
                "--username",
                "ana",
                "--step",
                "legal",
            ],
            "steps=review,legal",
        ),
        (
            vec![
                "user",
                "step",
                "remove",
                "--username",
                "ana",
                "--step",
                "legal",
            ],
            "steps=review ",
        ),
        (
            vec![
                "user",
                "channel",
                "add",
                "--username",
                "cy",
                "--channel",
                "care-x",
            ],
            "channels=only care-x",
        ),
        (
            vec![
                "user",
                "channel",
                "remove",
                "--username",
                "cy",
                "--channel",
                "care-x",
            ],
            "channels=none",
        ),
        (
            vec!["user", "channel", "all", "--username", "cy"],
            "channels=all of their teams'",
        ),
    ] {
        let out = run(data, &args, true);
        assert!(
            out.contains(shows),
            "`{}` must show {shows:?}: {out}",
            args.join(" ")
        );
    }
    let out = run(
        data,
        &[
            "user",
            "role",
            "remove",
            "--username",
            "bo",
            "--role",
            "author",
        ],
        false,
    );
    assert!(out.contains("no role left"), "{out}");

    // A leaver with an open draft: refused for a successor who is no author, then done.
    let server = countersign_server::open(countersign_server::ServerConfig::new(dir.path()))
        .await
        .unwrap();
    let bo = countersign_server::admin::user_named(&server, "bo")
        .await
        .unwrap()
        .id;
    let channel = countersign_server::admin::channel_named(&server, "care-x")
        .await
        .unwrap();
    let draft = countersign_server::admin::create_draft(
        &server,
        &Trail::console(),
        bo,
        crate::support::new_draft(&channel, "Parcel on its way"),
    )
    .await
    .unwrap();
    let out = run(data, &["user", "leave", "bo", "--handover", "ana"], false);
    assert!(
        out.contains("without the author role") && out.contains("Nothing was changed"),
        "{out}"
    );
    let out = run(data, &["user", "leave", "bo", "--handover", "cy"], true);
    assert!(
        out.contains("bo has left") && out.contains("cy now owns 1 open draft"),
        "{out}"
    );
    let handed = countersign_server::admin::draft(&server, draft.id)
        .await
        .unwrap();
    assert_eq!(
        handed.owner.map(|p| p.username).as_deref(),
        Some("cy"),
        "the CLI's handover is the admin API's"
    );

    // The two-factor policy and the access report.
    let out = run(data, &["policy", "require-2fa", "--role", "reviewer"], true);
    assert!(out.contains("required for: reviewer"), "{out}");
    let out = run(data, &["policy", "show"], true);
    assert!(out.contains("required for: reviewer"), "{out}");

    let csv = run(data, &["access", "--format", "csv"], true);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "username",
            "name",
            "roles",
            "teams",
            "channels",
            "steps",
            "2fa",
            "last sign-in",
            "sessions",
            "status"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = |username: &str| {
        rows.iter()
            .find(|r| &r[0] == username)
            .unwrap_or_else(|| panic!("no {username} in {csv}"))
    };
    assert_eq!(&row("ana")[2], "reviewer");
    assert_eq!(&row("ana")[4], "care-x");
    assert_eq!(&row("ana")[6], "REQUIRED, not enrolled", "{csv}");
    assert_eq!(&row("bo")[9], "disabled", "{csv}");
    assert_eq!(&row("cy")[9], "active", "{csv}");

    let json = run(data, &["access", "--format", "json", "--user", "ana"], true);
    let entries: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        entries,
        json!([{
            "username": "ana",
            "display_name": "ana",
            "roles": ["reviewer"],
            "teams": ["Care"],
            "channels": ["care-x"],
            "channels_limited": false,
            "steps": ["review"],
            "two_factor": {"enrolled": false, "required": true},
            "live_sessions": 0,
            "disabled": false
        }]),
        "the JSON report is the admin API's AccessEntry"
    );
}

/// Runs `countersign-server ARGS` with `stdin`; its exit code, stdout and stderr apart
/// (`lint` prints JSON lines on stdout, which logs on stderr must not mix into).
fn lint(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(BIN)
        .arg("lint")
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Each line of `lint`'s output as JSON, or the test fails naming the line.
fn findings(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect()
}

#[test]
fn lint_prints_findings_as_json_lines_and_fails_on_a_blocking_one() {
    let email = "Hi Zoë, we’ve emailed you at zoe.jones@example.com with the details.\n";
    let (code, out, err) = lint(&["--network", "x"], email);
    assert_eq!(code, Some(1), "a blocking finding exits 1: {out} {err}");
    let found = findings(&out);
    let rule = found
        .iter()
        .find(|f| f["rule"] == "personal_data.email")
        .unwrap_or_else(|| panic!("the e-mail rule is named: {out}"));
    assert_eq!(rule["severity"], "block");
    assert_eq!(
        rule["span"],
        json!({"start": 29, "end": 50}),
        "spans count code points, after the trailing newline is dropped"
    );
    for key in ["category", "message", "reason"] {
        assert!(
            rule[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key}: {rule}"
        );
    }

    let (code, out, err) = lint(&["--network", "x"], "Hi Zoë, your parcel is on its way.\n");
    assert_eq!(code, Some(0), "a clean text exits 0: {err}");
    assert_eq!(out, "", "and prints nothing");

    let (code, out, _) = lint(&["--network", "x"], "Our <b>spring sale</b> starts today!");
    assert_eq!(code, Some(0), "warnings alone exit 0: {out}");
    assert!(
        findings(&out).iter().all(|f| f["severity"] == "warn") && !out.is_empty(),
        "{out}"
    );

    let (code, _, err) = lint(&["--network", "myspace"], "Hello");
    assert_eq!(code, Some(2), "an unknown network is a usage error: {err}");
}

#[test]
fn lint_measure_prints_one_line_with_its_fields_in_order() {
    let (code, out, err) = lint(&["--network", "x", "--measure"], "Hello world\n");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out, "{\"network\":\"x\",\"weighted_length\":11,\"limit\":280,\"valid\":true}\n",
        "exactly this line, fields in this order"
    );
    let long = "a".repeat(281);
    let (code, out, _) = lint(&["--network", "x", "--measure"], &long);
    assert_eq!(code, Some(1), "too long exits 1: {out}");
    assert_eq!(
        out,
        "{\"network\":\"x\",\"weighted_length\":281,\"limit\":280,\"valid\":false}\n"
    );
}

#[test]
fn lint_with_an_organisation_pack_flags_its_code_names() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.toml");
    std::fs::write(
        &pack,
        "format = 1\nname = \"Acme\"\n[organisation]\ncode_names = [\"Project Falcon\"]\n",
    )
    .unwrap();
    let text = "Project Falcon lands in stores next week!";
    let (code, out, _) = lint(&["--network", "x"], text);
    assert_eq!(
        (code, out.as_str()),
        (Some(0), ""),
        "the built-in pack knows no code names"
    );
    let pack = pack.to_str().unwrap();
    let (code, out, err) = lint(&["--network", "x", "--pack", pack], text);
    assert_eq!(code, Some(1), "{out} {err}");
    let found = findings(&out);
    assert!(
        found.iter().any(|f| f["rule"] == "confidential.code_name"
            && f["span"] == json!({"start": 0, "end": 14})),
        "the code name is found where it is: {out}"
    );

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "format = 2\nname = \"Acme\"\n").unwrap();
    let (code, out, err) = lint(
        &["--network", "x", "--pack", broken.to_str().unwrap()],
        text,
    );
    assert_eq!(code, Some(1), "an unusable pack fails: {out}");
    assert!(err.contains("format"), "saying why: {err}");
}

#[tokio::test]
async fn the_cli_sets_and_shows_the_pack_keeps_replies_and_routes_channels() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = run(data, &["policy", "show"], true);
    assert!(out.contains("the built-in one"), "{out}");

    let pack = dir.path().join("pack.toml");
    let source = "# Acme's pack\nformat = 1\nname = \"Acme\"\n[organisation]\ncode_names = [\"Project Falcon\"]\n";
    std::fs::write(&pack, source).unwrap();
    let pack = pack.to_str().unwrap();
    let out = run(data, &["policy", "set", "--file", pack], true);
    assert!(
        out.contains("\"Acme\"") && out.contains("version 1"),
        "{out}"
    );
    let out = run(data, &["policy", "show"], true);
    assert!(
        out.contains("version 1") && out.contains("Administrator (server console)"),
        "the version and who set it: {out}"
    );
    assert!(
        out.contains(source.trim_end()),
        "the pack as set, comments kept: {out}"
    );
    let out = run(data, &["policy", "set", "--file", pack], true);
    assert!(out.contains("version 2"), "{out}");
    let out = run(data, &["policy", "show", "--effective"], true);
    assert!(
        out.contains("version 2")
            && out.contains("personal_data.email")
            && out.contains("Project Falcon"),
        "the effective pack, built-in rules and the organisation's names: {out}"
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "format = 1\n[overrides.\"nope\"]\nseverity = \"warn\"\n",
    )
    .unwrap();
    run(
        data,
        &["policy", "set", "--file", bad.to_str().unwrap()],
        false,
    );
    assert!(
        run(data, &["policy", "show"], true).contains("version 2"),
        "a refused pack changes nothing"
    );

    // The reply library.
    let late =
        "Sorry to hear that, {first_name} — DM us your order number and we'll sort it today.";
    let out = run(
        data,
        &["replies", "add", "--name", "late-delivery", "--text", late],
        true,
    );
    assert!(out.contains("added reply late-delivery"), "{out}");
    run(
        data,
        &["replies", "add", "--name", "late-delivery", "--text", late],
        false,
    );
    let out = run(
        data,
        &[
            "replies",
            "add",
            "--name",
            "email-us",
            "--text",
            "Hi {first_name}, write to care.desk@example.com and we'll help.",
        ],
        false,
    );
    assert!(
        out.contains("personal_data.email"),
        "says what it found: {out}"
    );
    let out = run(data, &["replies", "list"], true);
    assert!(out.contains("late-delivery") && out.contains(late), "{out}");
    let out = run(data, &["replies", "list", "--search", "refund"], true);
    assert!(out.contains("no replies match"), "{out}");
    let out = run(data, &["replies", "list", "--search", "order"], true);
    assert!(out.contains("late-delivery"), "{out}");

    // Routing.
    run(data, &["team", "add", "--name", "Care"], true);
    let add_channel = [
        "channel",
        "add",
        "--name",
        "care-x",
        "--network",
        "x",
        "--account",
        "@care_example",
        "--team",
        "Care",
        "--step",
        "review",
    ];
    run(data, &add_channel, true);
    let out = run(
        data,
        &["channel", "route", "care-x", "--on-block", "legal"],
        false,
    );
    assert!(out.contains("nobody in Care may take the step"), "{out}");

    // What the CLI set is what drafts are routed by.
    let server = countersign_server::open(countersign_server::ServerConfig::new(dir.path()))
        .await
        .unwrap();
    for (name, roles, steps) in [
        ("ana", vec![countersign_core::Role::Author], vec![]),
        ("pete", vec![countersign_core::Role::Reviewer], vec!["peer"]),
        (
            "rita",
            vec![countersign_core::Role::Reviewer],
            vec!["review"],
        ),
        (
            "lena",
            vec![countersign_core::Role::Reviewer],
            vec!["legal"],
        ),
    ] {
        let team = countersign_server::admin::team_named(&server, "Care")
            .await
            .unwrap()
            .id;
        countersign_server::admin::add_user(
            &server,
            &Trail::console(),
            countersign_server::admin::NewUser {
                username: name.into(),
                display_name: name.into(),
                password: countersign_core::Sensitive::new("a long enough password".into()),
                roles,
                steps: steps.into_iter().map(String::from).collect(),
                teams: vec![team],
            },
        )
        .await
        .unwrap();
    }
    // Routing needs people who can take its steps: refused before pete and lena existed
    // (see above), accepted now.
    let route = [
        "channel",
        "route",
        "care-x",
        "--fast-lane",
        "peer",
        "--on-block",
        "legal",
        "--pre-approved-replies",
    ];
    let out = run(data, &route, true);
    assert_eq!(
        out.trim(),
        "care-x: clean drafts take the fast lane (peer); blocking findings add legal; \
         pre-approved replies need no review",
        "{out}"
    );
    let out = run(data, &["channel", "list"], true);
    assert!(
        out.contains("↳ clean drafts take the fast lane (peer); blocking findings add legal"),
        "the channel list shows its routing: {out}"
    );
    run(
        data,
        &["channel", "route", "nowhere", "--on-block", "legal"],
        false,
    );
    let out = run(
        data,
        &["channel", "route", "care-x", "--on-block", "a:0"],
        false,
    );
    assert!(out.contains("quorum"), "{out}");

    let ana = countersign_server::admin::user_named(&server, "ana")
        .await
        .unwrap()
        .id;
    let channel = countersign_server::admin::channel_named(&server, "care-x")
        .await
        .unwrap();
    let write = |body: &str| {
        let request = crate::support::new_draft(&channel, body);
        let server = server.clone();
        async move {
            countersign_server::admin::create_draft(&server, &Trail::console(), ana, request)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        write("Hi Zoë, your parcel is on its way.")
            .await
            .step_names(),
        ["peer"]
    );
    assert_eq!(
        write("Project Falcon lands next week").await.step_names(),
        ["review", "legal"],
        "the pack set by the CLI finds the code name, and legal is added"
    );
    let reply = write(&late.replace("{first_name}", "Zoë")).await;
    assert_eq!(
        reply.status,
        countersign_core::DraftStatus::Approved,
        "the reply added by the CLI is pre-approved"
    );

    let out = run(data, &["replies", "remove", "late-delivery"], true);
    assert!(out.contains("removed reply late-delivery"), "{out}");
    let out = run(data, &["replies", "remove", "late-delivery"], false);
    assert!(out.contains("no reply named"), "{out}");
    let out = run(data, &["replies", "list"], true);
    assert!(out.contains("no replies"), "{out}");
}
