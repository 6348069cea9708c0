//! The policy guard over HTTP: an approval over a `block` finding needs a reason, channels
//! route drafts by the guard's verdict, administrators set the pack and the reply library,
//! and desktops learn of a new pack from the directory.

use crate::support::{TestServer, add_user, client, error_code, org};
use countersign_core::channel::Route;
use countersign_core::finding::Severity;
use countersign_core::{Draft, HistoryEvent, Role};
use countersign_server::admin;
use countersign_server::policy::Review;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A customer's e-mail address in a public reply: `personal_data.email`, which blocks. The
/// `ë` and `’` before it make code points and bytes differ, so a byte span would show.
const EMAIL: &str = "Hi Zoë, we’ve emailed you at zoe.jones@example.com with the details.";
/// The address in [`EMAIL`].
const ADDRESS: &str = "zoe.jones@example.com";
/// A customer's phone number: `personal_data.phone`, which blocks.
const PHONE: &str = "Hi Zoë, we’ll call you back on 07700 900123 this afternoon.";
/// Nothing the guard finds.
const CLEAN: &str = "Hi Zoë, your parcel is on its way.";
/// HTML in the text: `network.markup`, a warning only.
const MARKUP: &str = "Our <b>spring sale</b> starts today!";
/// A reply for the library, with one slot.
const LATE: &str =
    "Sorry to hear that, {first_name} — DM us your order number and we'll sort it today.";

/// `support::org`, plus `lena` (Care's legal reviewer) and `pete` (Care's peer reviewer),
/// and the tokens of root, alex and rita.
struct Guarded {
    t: TestServer,
    root: String,
    alex: String,
    rita: String,
}

async fn guarded() -> Guarded {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_user(&t.server, "lena", &[Role::Reviewer], &["legal"], &["Care"]).await;
    add_user(&t.server, "pete", &[Role::Reviewer], &["peer"], &["Care"]).await;
    let root = t.sign_in("root").await.access;
    let alex = t.sign_in("alex").await.access;
    let rita = t.sign_in("rita").await.access;
    Guarded {
        t,
        root,
        alex,
        rita,
    }
}

impl Guarded {
    /// alex writes `body` on care-x (X) or care-bluesky; the stored draft.
    async fn write(&self, account: &str, body: &str) -> Draft {
        let network = if account == "@care_example" {
            "x"
        } else {
            "bluesky"
        };
        let request = json!({"network": network, "channel": account, "body": body});
        let (status, draft) = self.t.post("/api/v1/drafts", &self.alex, &request).await;
        assert_eq!(status, StatusCode::CREATED, "writing {body:?}: {draft}");
        serde_json::from_value(draft).unwrap()
    }

    async fn on_care_x(&self, body: &str) -> Draft {
        self.write("@care_example", body).await
    }

    async fn read(&self, draft: &Draft) -> Draft {
        let (status, body) = self
            .t
            .get(&format!("/api/v1/drafts/{}", draft.id), &self.rita)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// Sets care-x's (or another channel's) routing as root.
    async fn route(&self, channel: &str, routing: Value) {
        let path = format!("/api/v1/admin/channels/{channel}/routing");
        let (status, body) = self.t.send(Method::PUT, &path, &self.root, &routing).await;
        assert_eq!(status, StatusCode::OK, "routing {channel}: {body}");
    }

    /// rita decides `draft` at its version from `desk` as mutation `id`, with
    /// `override_reason`; the one result.
    async fn decide(
        &self,
        desk: &str,
        id: u64,
        draft: &Draft,
        verdict: &str,
        override_reason: Option<&str>,
    ) -> Value {
        let mutation = json!({
            "mutation_id": id,
            "kind": "decide",
            "decision": {
                "id": uuid::Uuid::now_v7(),
                "draft_id": draft.id,
                "draft_version": draft.version,
                "verdict": verdict,
                "comment": "checked",
                "override_reason": override_reason,
            }
        });
        let mut results = self.t.push(&self.rita, desk, vec![mutation]).await;
        results.remove(0)
    }

    /// The guard's findings on `draft` as the server would review it now.
    async fn findings(&self, draft: &Draft) -> Vec<countersign_core::finding::Finding> {
        Review::load(&self.t.server).await.unwrap().findings(draft)
    }

    async fn set_pack(&self, source: &str) -> (StatusCode, Value) {
        self.t
            .send(
                Method::PUT,
                "/api/v1/admin/policy",
                &self.root,
                &json!({ "source": source }),
            )
            .await
    }
}

/// The routes recorded in the draft's history, with the version each was on.
fn routes(draft: &Draft) -> Vec<(u64, Route)> {
    draft
        .history
        .iter()
        .filter_map(|h| match &h.event {
            HistoryEvent::Routed { route } => Some((h.version, route.clone())),
            _ => None,
        })
        .collect()
}

fn escalated(step: &str) -> Route {
    Route::Escalated { step: step.into() }
}

/// The code-point span of `part` in `body`.
fn span_of(body: &str, part: &str) -> (usize, usize) {
    let at = body.find(part).unwrap();
    let start = body[..at].chars().count();
    (start, start + part.chars().count())
}

#[tokio::test]
async fn an_approval_over_a_blocking_finding_needs_an_override_reason_and_records_it() {
    let g = guarded().await;
    let draft = g.on_care_x(EMAIL).await;
    let desk = client();

    for (id, reason) in [(1, None), (2, Some("")), (3, Some("   \n"))] {
        let refused = g.decide(&desk, id, &draft, "approve", reason).await;
        assert_eq!(
            (&refused["status"], &refused["code"]),
            (&json!("forbidden"), &json!("override_required")),
            "an approval over an e-mail address with reason {reason:?} is refused: {refused}"
        );
        assert!(
            refused["message"]
                .as_str()
                .is_some_and(|m| m.contains("override reason")),
            "the refusal says what is missing: {refused}"
        );
        let findings = refused["findings"].as_array().unwrap();
        let email = findings
            .iter()
            .find(|f| f["rule"] == "personal_data.email")
            .unwrap_or_else(|| panic!("the findings name the e-mail rule: {refused}"));
        let (start, end) = span_of(EMAIL, ADDRESS);
        assert_eq!(
            email["span"],
            json!({"start": start, "end": end}),
            "the span covers the address, in code points: {email}"
        );
        assert_eq!(email["severity"], "block");
        assert!(
            findings.iter().all(|f| f["severity"] == "block"),
            "only what blocks is listed as needing the reason: {refused}"
        );
    }
    let after = g.read(&draft).await;
    assert_eq!(
        after.status,
        countersign_core::DraftStatus::Pending,
        "nothing was applied"
    );
    assert!(after.approvals.is_empty(), "no approval counted: {after:?}");
    assert_eq!(after.version, draft.version);
    assert!(
        !after
            .history
            .iter()
            .any(|h| matches!(h.event, HistoryEvent::Decided { .. })),
        "a refused approval leaves no decision in the history"
    );

    let reason = "The customer asked us to confirm the address in public";
    let applied = g.decide(&desk, 4, &draft, "approve", Some(reason)).await;
    assert_eq!(
        applied["status"], "applied",
        "with a reason it applies: {applied}"
    );
    let approved = g.read(&draft).await;
    assert_eq!(approved.status, countersign_core::DraftStatus::Approved);
    let recorded = approved.history.iter().find_map(|h| match &h.event {
        HistoryEvent::Decided {
            override_reason, ..
        } => Some(override_reason.clone()),
        _ => None,
    });
    assert_eq!(
        recorded,
        Some(Some(reason.to_owned())),
        "the history keeps why the reviewer approved over the finding"
    );
}

#[tokio::test]
async fn rejecting_or_sending_back_needs_no_reason_and_warnings_do_not_block() {
    let g = guarded().await;
    let desk = client();
    for (id, verdict) in [(1, "reject"), (2, "request_changes")] {
        let draft = g.on_care_x(EMAIL).await;
        let result = g.decide(&desk, id, &draft, verdict, None).await;
        assert_eq!(
            result["status"], "applied",
            "{verdict} of a draft with a blocking finding needs no reason: {result}"
        );
        assert!(result.get("code").is_none_or(Value::is_null), "{result}");
    }

    let warned = g.on_care_x(MARKUP).await;
    let findings = g.findings(&warned).await;
    assert!(
        !findings.is_empty() && findings.iter().all(|f| f.severity == Severity::Warn),
        "the markup draft must have warnings and nothing that blocks: {findings:?}"
    );
    let result = g.decide(&desk, 3, &warned, "approve", None).await;
    assert_eq!(
        result["status"], "applied",
        "warnings alone need no reason: {result}"
    );
    assert_eq!(
        g.read(&warned).await.status,
        countersign_core::DraftStatus::Approved
    );
}

#[tokio::test]
async fn a_channel_adds_its_escalation_step_to_drafts_with_a_blocking_finding() {
    let g = guarded().await;
    g.route("care-x", json!({"on_block": {"step": "legal"}}))
        .await;
    let blocked = g.on_care_x(EMAIL).await;
    assert_eq!(
        blocked.step_names(),
        ["review", "legal"],
        "an e-mail address takes legal as well"
    );
    assert_eq!(routes(&blocked), [(1, escalated("legal"))]);

    let clean = g.on_care_x(CLEAN).await;
    assert_eq!(clean.step_names(), ["review"]);
    assert!(routes(&clean).is_empty(), "a clean draft is not routed");
    let warned = g.on_care_x(MARKUP).await;
    assert_eq!(
        warned.step_names(),
        ["review"],
        "a warning is not escalated"
    );

    let elsewhere = g.write("@care.example", EMAIL).await;
    assert_eq!(
        elsewhere.step_names(),
        ["review"],
        "care-bluesky has no routing, so its blocked draft takes its policy alone"
    );
    assert!(routes(&elsewhere).is_empty());
}

#[tokio::test]
async fn the_fast_lane_replaces_the_policy_for_clean_drafts_only() {
    let g = guarded().await;
    g.route(
        "care-x",
        json!({"fast_lane": [{"step": "peer"}], "on_block": {"step": "legal"}}),
    )
    .await;
    let clean = g.on_care_x(CLEAN).await;
    assert_eq!(
        clean.step_names(),
        ["peer"],
        "a clean draft takes the fast lane"
    );
    assert_eq!(routes(&clean), [(1, Route::FastLane)]);
    let warned = g.on_care_x(MARKUP).await;
    assert_eq!(
        warned.step_names(),
        ["review"],
        "a draft with a warning takes the policy"
    );
    assert!(routes(&warned).is_empty());
    let blocked = g.on_care_x(PHONE).await;
    assert_eq!(blocked.step_names(), ["review", "legal"]);
}

#[tokio::test]
async fn a_pre_approved_reply_with_a_clean_name_goes_out_at_once_where_the_channel_allows() {
    let g = guarded().await;
    let (status, reply) =
        g.t.post(
            "/api/v1/admin/replies",
            &g.root,
            &json!({"name": "late-delivery", "text": LATE}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    g.route("care-x", json!({"pre_approved_replies": true}))
        .await;

    let filled = LATE.replace("{first_name}", "Zoë");
    let at_once = g.on_care_x(&filled).await;
    assert_eq!(
        at_once.status,
        countersign_core::DraftStatus::Approved,
        "the library's text with a short clean name needs no review: {at_once:?}"
    );
    assert!(at_once.required_steps.is_empty());
    assert_eq!(
        routes(&at_once),
        [(
            1,
            Route::PreApproved {
                reply_id: reply["id"].as_str().unwrap().to_owned(),
                reply: "late-delivery".into(),
            }
        )]
    );

    let with_address = LATE.replace("{first_name}", ADDRESS);
    for (account, body, why) in [
        (
            "@care_example",
            with_address.as_str(),
            "a slot holding an e-mail address",
        ),
        (
            "@care.example",
            filled.as_str(),
            "care-bluesky, which does not allow pre-approved replies",
        ),
    ] {
        let draft = g.write(account, body).await;
        assert_eq!(
            draft.status,
            countersign_core::DraftStatus::Pending,
            "{why}: reviewed as usual"
        );
        assert_eq!(draft.step_names(), ["review"], "{why}");
        assert!(
            !routes(&draft)
                .iter()
                .any(|(_, r)| matches!(r, Route::PreApproved { .. })),
            "{why}: not pre-approved"
        );
    }
}

#[tokio::test]
async fn crisis_mode_turns_routing_off() {
    let g = guarded().await;
    add_user(
        &g.t.server,
        "sam",
        &[Role::Spokesperson, Role::Reviewer],
        &["review"],
        &["Care"],
    )
    .await;
    let (status, reply) =
        g.t.post(
            "/api/v1/admin/replies",
            &g.root,
            &json!({"name": "late-delivery", "text": LATE}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    g.route(
        "care-x",
        json!({
            "fast_lane": [{"step": "peer"}],
            "on_block": {"step": "legal"},
            "pre_approved_replies": true,
        }),
    )
    .await;
    let (status, body) =
        g.t.post(
            "/api/v1/admin/crisis/on",
            &g.root,
            &json!({"reason": "Fire at the Leeds store", "channels": ["care-x"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for body in [
        CLEAN.to_owned(),
        EMAIL.to_owned(),
        LATE.replace("{first_name}", "Zoë"),
    ] {
        let draft = g.on_care_x(&body).await;
        assert_eq!(
            draft.step_names(),
            ["review"],
            "in a crisis {body:?} takes the channel's policy, no lane or extra step"
        );
        assert_eq!(draft.status, countersign_core::DraftStatus::Pending);
        assert!(routes(&draft).is_empty(), "{body:?} is not routed");
    }
}

#[tokio::test]
async fn an_edit_routes_the_new_text_afresh() {
    let g = guarded().await;
    g.route(
        "care-x",
        json!({"fast_lane": [{"step": "peer"}], "on_block": {"step": "legal"}}),
    )
    .await;
    let draft = g.on_care_x(CLEAN).await;
    assert_eq!(draft.step_names(), ["peer"]);

    let path = format!("/api/v1/drafts/{}", draft.id);
    let edit = json!({"version": draft.version, "body": PHONE});
    let (status, body) = g.t.send(Method::PATCH, &path, &g.alex, &edit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let edited: Draft = serde_json::from_value(body).unwrap();
    assert_eq!(
        edited.step_names(),
        ["review", "legal"],
        "a phone number takes the policy and legal; the fast lane's step does not linger"
    );
    assert_eq!(
        routes(&edited),
        [(1, Route::FastLane), (2, escalated("legal"))],
        "each version records its route"
    );

    let edit = json!({"version": edited.version, "body": CLEAN});
    let (status, body) = g.t.send(Method::PATCH, &path, &g.alex, &edit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cleaned: Draft = serde_json::from_value(body).unwrap();
    assert_eq!(
        cleaned.step_names(),
        ["peer"],
        "clean again: back in the fast lane, legal dropped"
    );
}

/// A pack with Acme's code names.
fn acme_pack(code_name: &str) -> String {
    format!(
        "format = 1\nname = \"Acme\"\n# kept as written\n[organisation]\ncode_names = [\"{code_name}\"]\n"
    )
}

#[tokio::test]
async fn setting_a_pack_serves_it_versioned_and_reviews_drafts_with_it() {
    let g = guarded().await;
    let (status, builtin) = g.t.get("/api/v1/policy", &g.alex).await;
    assert_eq!(status, StatusCode::OK, "{builtin}");
    assert_eq!(builtin["version"], 0, "no pack set: the built-in one");
    g.route("care-x", json!({"on_block": {"step": "legal"}}))
        .await;
    let falcon = "Project Falcon lands in stores next week!";
    assert_eq!(
        g.on_care_x(falcon).await.step_names(),
        ["review"],
        "an unknown name is not a code name yet"
    );

    let (status, set) = g.set_pack(&acme_pack("Project Falcon")).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["version"], 1);
    let (status, served) = g.t.get("/api/v1/policy", &g.alex).await;
    assert_eq!(status, StatusCode::OK, "{served}");
    assert_eq!(
        (&served["name"], &served["version"]),
        (&json!("Acme"), &json!(1))
    );
    assert!(
        served["organisation"]["code_names"]
            .as_array()
            .unwrap()
            .contains(&json!("Project Falcon")),
        "{served}"
    );
    assert!(
        served["rules"].as_array().unwrap().len() >= builtin["rules"].as_array().unwrap().len(),
        "the organisation's layer sits over the built-in rules"
    );
    let flagged = g.on_care_x(falcon).await;
    assert_eq!(
        flagged.step_names(),
        ["review", "legal"],
        "the code name blocks now: drafts are reviewed with the new pack at once"
    );

    let (status, second) = g.set_pack(&acme_pack("Project Osprey")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let (_, served) = g.t.get("/api/v1/policy", &g.rita).await;
    assert_eq!(served["version"], 2, "each pack set counts up");
    assert!(
        !served["organisation"]["code_names"]
            .as_array()
            .unwrap()
            .contains(&json!("Project Falcon")),
        "the new pack replaces the old one's names: {served}"
    );
    assert_eq!(
        g.on_care_x(falcon).await.step_names(),
        ["review"],
        "the guard of version 1 is not used once version 2 is in force"
    );
    assert_eq!(
        g.on_care_x("Project Osprey is coming").await.step_names(),
        ["review", "legal"]
    );
    let stored = admin::policy_pack(&g.t.server)
        .await
        .unwrap()
        .stored
        .unwrap();
    assert_eq!(
        stored.source,
        acme_pack("Project Osprey"),
        "the source is kept as written, comments and all"
    );
    assert_eq!(stored.set_by.username, "root");
}

#[tokio::test]
async fn a_pack_that_cannot_be_used_is_refused_and_changes_nothing() {
    let g = guarded().await;
    let (status, _) = g.set_pack(&acme_pack("Project Falcon")).await;
    assert_eq!(status, StatusCode::OK);
    let bad_regex = "format = 1\nname = \"Acme\"\n[[rules]]\nid = \"confidential.acme_codes\"\n\
                     category = \"confidential\"\nseverity = \"block\"\ndetector = \"patterns\"\n\
                     patterns = [\"(unclosed\"]\nmessage = \"An internal code\"\n\
                     reason = \"Codes are internal.\"\n";
    for (source, why) in [
        ("format = 1\nname = \"Acme", "not TOML"),
        ("format = 2\nname = \"Acme\"\n", "another format"),
        (
            "format = 1\nname = \"Acme\"\n[overrides.\"personal_data.nope\"]\nseverity = \"warn\"\n",
            "an override of a rule that does not exist",
        ),
        (
            "format = 1\nname = \"Acme\"\n[channels.care-x.rules.\"nope\"]\nenabled = false\n",
            "a channel override of a rule that does not exist",
        ),
        (bad_regex, "a regular expression that does not compile"),
    ] {
        let (status, body) = g.set_pack(source).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(error_code(&body), "invalid_request", "{why}");
        let (_, served) = g.t.get("/api/v1/policy", &g.alex).await;
        assert_eq!(
            (&served["version"], &served["name"]),
            (&json!(1), &json!("Acme")),
            "{why}: the pack in force stays"
        );
    }
    let stored = admin::policy_pack(&g.t.server)
        .await
        .unwrap()
        .stored
        .unwrap();
    assert_eq!(stored.version, 1, "nothing was stored");

    let (status, body) =
        g.t.send(
            Method::PUT,
            "/api/v1/admin/policy",
            &g.root,
            &json!({"pack": "format = 1"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a body without source: {body}"
    );
}

/// One page of rita's feed after `cursor`.
async fn page(g: &Guarded, cursor: &str) -> Value {
    let (status, body) =
        g.t.get(&format!("/api/v1/changes?cursor={cursor}"), &g.rita)
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn desktops_learn_of_a_new_pack_and_routing_from_the_directory() {
    let g = guarded().await;
    let first = page(&g, "").await;
    assert_eq!(first["directory"]["policy_version"], 0, "{first}");
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    let (status, _) = g.set_pack(&acme_pack("Project Falcon")).await;
    assert_eq!(status, StatusCode::OK);
    let after_set = page(&g, &cursor).await;
    assert_eq!(
        after_set["directory"]["policy_version"], 1,
        "a new pack brings the directory with its version: {after_set}"
    );
    let cursor = after_set["next_cursor"].as_str().unwrap().to_owned();

    let (status, _) = g.set_pack("format = 2\nname = \"Acme\"\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let quiet = page(&g, &cursor).await;
    assert!(
        quiet.get("directory").is_none(),
        "a refused pack changes nothing desktops hold: {quiet}"
    );

    g.route("care-x", json!({"fast_lane": [{"step": "peer"}]}))
        .await;
    let after_route = page(&g, &cursor).await;
    let care_x = after_route["directory"]["channels"]
        .as_array()
        .unwrap_or_else(|| panic!("routing brings the directory: {after_route}"))
        .iter()
        .find(|c| c["name"] == "care-x")
        .unwrap();
    assert_eq!(
        care_x["routing"],
        json!({"fast_lane": [{"step": "peer", "quorum": 1}]}),
        "{care_x}"
    );
    assert_eq!(after_route["directory"]["policy_version"], 1);
}

#[tokio::test]
async fn routing_with_unusable_steps_or_for_no_channel_is_refused() {
    let g = guarded().await;
    for (channel, routing, status) in [
        ("care-x", json!({"fast_lane": []}), StatusCode::BAD_REQUEST),
        (
            "care-x",
            json!({"on_block": {"step": "legal review"}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "nowhere",
            json!({"on_block": {"step": "legal"}}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let path = format!("/api/v1/admin/channels/{channel}/routing");
        let (got, body) = g.t.send(Method::PUT, &path, &g.root, &routing).await;
        assert_eq!(got, status, "{channel} {routing}: {body}");
    }
    let (_, channels) = g.t.get("/api/v1/channels", &g.rita).await;
    let care_x = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "care-x")
        .unwrap();
    assert_eq!(care_x["routing"], json!({}), "nothing was stored: {care_x}");
}

#[tokio::test]
async fn the_reply_library_adds_refuses_searches_and_removes() {
    let g = guarded().await;
    let add = |name: &str, text: &str| {
        let body = json!({"name": name, "text": text});
        let (t, root) = (&g.t, g.root.clone());
        async move { t.post("/api/v1/admin/replies", &root, &body).await }
    };
    let (status, late) = add("late-delivery", LATE).await;
    assert_eq!(status, StatusCode::CREATED, "{late}");
    assert_eq!(late["name"], "late-delivery");
    assert_eq!(late["text"], LATE);
    let stock =
        "Hi {first_name}, DM us the product and your nearest store and we'll check the stock.";
    let (status, body) = add("stock-check", stock).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = add("late-delivery", "Sorry, {first_name}, we are on it.").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "already_exists");
    for (name, text, why) in [
        (
            "email-us",
            "Hi {first_name}, write to care.desk@example.com and we'll help.",
            "an e-mail address in the fixed text",
        ),
        ("broken", "Hi {first_name, thanks!", "an unclosed slot"),
        ("slots-only", "{greeting} {first_name}", "no fixed text"),
        ("two words", "Thanks, {first_name}!", "a name with a space"),
    ] {
        let (status, body) = add(name, text).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(error_code(&body), "invalid_request", "{why}");
    }

    let names = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (query, expect) in [
        ("", vec!["late-delivery", "stock-check"]),
        ("order", vec!["late-delivery"]),
        ("STOCK", vec!["stock-check"]),
        ("DM%20today", vec!["late-delivery"]),
        ("DM", vec!["late-delivery", "stock-check"]),
        ("refund", vec![]),
    ] {
        let (status, body) =
            g.t.get(&format!("/api/v1/replies?q={query}"), &g.alex)
                .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(names(&body), expect, "searching {query:?}");
    }

    let (status, body) =
        g.t.call(
            Method::DELETE,
            "/api/v1/admin/replies/late-delivery",
            Some(&g.root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) =
        g.t.call(
            Method::DELETE,
            "/api/v1/admin/replies/late-delivery",
            Some(&g.root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(error_code(&body), "not_found");
    let (_, body) = g.t.get("/api/v1/replies", &g.alex).await;
    assert_eq!(names(&body), ["stock-check"]);
}

#[tokio::test]
async fn an_edit_keeps_the_step_its_author_asked_for_when_routing_could_also_add_it() {
    let g = guarded().await;
    g.route("care-x", json!({"on_block": {"step": "legal"}}))
        .await;
    let request = json!({
        "network": "x",
        "channel": "@care_example",
        "body": CLEAN,
        "required_steps": ["legal"],
    });
    let (status, body) = g.t.post("/api/v1/drafts", &g.alex, &request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let draft: Draft = serde_json::from_value(body).unwrap();
    assert_eq!(
        draft.step_names(),
        ["review", "legal"],
        "alex asked for legal"
    );

    let path = format!("/api/v1/drafts/{}", draft.id);
    let edit = json!({"version": draft.version, "body": "Hi Zoë, your parcel arrives today."});
    let (status, body) = g.t.send(Method::PATCH, &path, &g.alex, &edit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let edited: Draft = serde_json::from_value(body).unwrap();
    assert_eq!(
        edited.step_names(),
        ["review", "legal"],
        "routing did not add legal, so an edit must not take it away"
    );
}
