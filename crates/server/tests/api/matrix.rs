//! Who may call what: one table over every route of the router and every kind of caller,
//! each cell the answer the server must give.
//!
//! The callers are the kinds of account the rules tell apart: an author, a reviewer of the
//! team, a reviewer of another team, an agency limited to some of its team's channels, an
//! administrator, an administrator who is also a reviewer, an author who is also a reviewer,
//! a disabled account (with tokens issued before it was disabled) and a request without a
//! token. Every cell that changes something acts on a draft made for it alone, so cells do
//! not depend on each other's order.
//!
//! The table must cover every path and method of the OpenAPI document: a new route without
//! a row fails the test.

use crate::support::{PASSWORD, Session, TestServer, add_channel, add_user, decide, org};
use countersign_core::wire::EditDraft;
use countersign_core::{Draft, Network, Role};
use countersign_server::admin::{self, AccountChange};
use countersign_server::trail::Trail;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The kinds of caller, in the order of a row's cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Caller {
    Author,
    Reviewer,
    OtherTeamReviewer,
    Agency,
    Admin,
    AdminReviewer,
    AuthorReviewer,
    Disabled,
    NoToken,
}

use Caller::*;

const CALLERS: [Caller; 9] = [
    Author,
    Reviewer,
    OtherTeamReviewer,
    Agency,
    Admin,
    AdminReviewer,
    AuthorReviewer,
    Disabled,
    NoToken,
];

/// The channels of the organisation that every draft-reading cell can find a draft on.
const BASE_CHANNELS: [&str; 4] = ["brand-bluesky", "brand-x", "care-bluesky", "care-x"];

impl Caller {
    fn username(self) -> Option<&'static str> {
        Some(match self {
            Author => "alex",
            Reviewer => "rita",
            OtherTeamReviewer => "bea",
            Agency => "agency",
            Admin => "root",
            AdminReviewer => "ada",
            AuthorReviewer => "avery",
            Disabled => "dora",
            NoToken => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Author => "the author alex (Care)",
            Reviewer => "the Care reviewer rita",
            OtherTeamReviewer => "the Brand reviewer bea",
            Agency => "the agency (Brand, brand-x only)",
            Admin => "the administrator root",
            AdminReviewer => "the administrator and Care reviewer ada",
            AuthorReviewer => "the Care author and reviewer avery",
            Disabled => "the disabled Care reviewer dora",
            NoToken => "a caller without a token",
        }
    }

    /// The channels they may see, by name; `None`: every channel (administrators).
    fn channels(self) -> Option<Vec<&'static str>> {
        match self {
            Admin | AdminReviewer => None,
            Author | Reviewer | AuthorReviewer | Disabled => Some(vec!["care-bluesky", "care-x"]),
            OtherTeamReviewer => Some(vec!["brand-bluesky", "brand-x"]),
            Agency => Some(vec!["brand-x"]),
            NoToken => Some(vec![]),
        }
    }
}

/// What a cell must answer.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// This status (a success; the body is checked where the row says how).
    Status(u16),
    /// This status with this error code.
    Error(u16, &'static str),
    /// A push answered 200 whose one result has this status.
    Push(&'static str),
}

const OK: Expect = Expect::Status(200);
const CREATED: Expect = Expect::Status(201);
const NO_CONTENT: Expect = Expect::Status(204);
const FORBIDDEN: Expect = Expect::Error(403, "forbidden");
const REVOKED: Expect = Expect::Error(401, "session_revoked");
const ANONYMOUS: Expect = Expect::Error(401, "unauthenticated");
const APPLIED: Expect = Expect::Push("applied");
const REFUSED: Expect = Expect::Push("forbidden");

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Status(status) => write!(f, "{status}"),
            Expect::Error(status, code) => write!(f, "{status} {code}"),
            Expect::Push(result) => write!(f, "200 with the mutation {result}"),
        }
    }
}

impl Expect {
    fn check(self, status: StatusCode, body: &Value) -> Result<(), String> {
        let got = || format!("got {status} {body}");
        match self {
            Expect::Status(want) if status.as_u16() == want => Ok(()),
            Expect::Error(want, code)
                if status.as_u16() == want
                    && body["error"]["code"] == code
                    && body["error"]["message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty()) =>
            {
                Ok(())
            }
            Expect::Push(result) if status == StatusCode::OK => {
                if body["results"][0]["status"] == result {
                    Ok(())
                } else {
                    Err(format!("expected {self}, {}", got()))
                }
            }
            _ => Err(format!("expected {self}, {}", got())),
        }
    }
}

/// The draft a cell acts on, made afresh for that cell.
#[derive(Clone, Copy, Debug)]
enum Subject {
    /// On care-x, written by the author alex.
    CareByAuthor,
    /// On care-x, written by avery, who is also a Care reviewer.
    CareByAuthorReviewer,
    /// On care-x, written by alex and edited by ada, an administrator and Care reviewer.
    CareEditedByAdminReviewer,
    /// On brand-x, written by the agency.
    BrandByAgency,
    /// On brand-bluesky, which the agency does not serve; written by root.
    UnservedBrand,
    /// On care-x, written by alex and approved by rita.
    ApprovedCare,
}

impl Subject {
    fn describe(self) -> &'static str {
        match self {
            Subject::CareByAuthor => "a care-x draft by alex",
            Subject::CareByAuthorReviewer => "a care-x draft by avery (author and reviewer)",
            Subject::CareEditedByAdminReviewer => {
                "a care-x draft by alex, edited by ada (admin and reviewer)"
            }
            Subject::BrandByAgency => "a brand-x draft by the agency",
            Subject::UnservedBrand => "a brand-bluesky draft (a channel the agency does not serve)",
            Subject::ApprovedCare => "a care-x draft by alex, approved by rita",
        }
    }
}

/// The administrator routes, all answered only to administrators.
#[derive(Clone, Copy, Debug)]
enum AdminCall {
    Access,
    Channels,
    AddChannel,
    SetPolicy,
    Crisis,
    CrisisOn,
    CrisisOff,
    AddRole,
    RemoveRole,
    AddTeam,
    RemoveTeam,
    AddStep,
    RemoveStep,
    AddChannelGrant,
    RemoveChannelGrant,
    LiftChannelLimit,
    Leave,
    Disable,
    TwoFactor,
    SetTwoFactor,
    SetPack,
    SetRouting,
    AddReply,
    RemoveReply,
    Webhooks,
    AddWebhook,
    RemoveWebhook,
    Deliveries,
    Audit,
    DraftsExport,
}

const ADMIN_CALLS: [AdminCall; 30] = [
    AdminCall::Access,
    AdminCall::Channels,
    AdminCall::AddChannel,
    AdminCall::SetPolicy,
    AdminCall::Crisis,
    AdminCall::CrisisOn,
    AdminCall::CrisisOff,
    AdminCall::AddRole,
    AdminCall::RemoveRole,
    AdminCall::AddTeam,
    AdminCall::RemoveTeam,
    AdminCall::AddStep,
    AdminCall::RemoveStep,
    AdminCall::AddChannelGrant,
    AdminCall::RemoveChannelGrant,
    AdminCall::LiftChannelLimit,
    AdminCall::Leave,
    AdminCall::Disable,
    AdminCall::TwoFactor,
    AdminCall::SetTwoFactor,
    AdminCall::SetPack,
    AdminCall::SetRouting,
    AdminCall::AddReply,
    AdminCall::RemoveReply,
    AdminCall::Webhooks,
    AdminCall::AddWebhook,
    AdminCall::RemoveWebhook,
    AdminCall::Deliveries,
    AdminCall::Audit,
    AdminCall::DraftsExport,
];

impl AdminCall {
    fn route(self) -> (Method, &'static str) {
        match self {
            AdminCall::Access => (Method::GET, "/api/v1/admin/access"),
            AdminCall::Channels => (Method::GET, "/api/v1/admin/channels"),
            AdminCall::AddChannel => (Method::POST, "/api/v1/admin/channels"),
            AdminCall::SetPolicy => (Method::PATCH, "/api/v1/admin/channels/{name}"),
            AdminCall::Crisis => (Method::GET, "/api/v1/admin/crisis"),
            AdminCall::CrisisOn => (Method::POST, "/api/v1/admin/crisis/on"),
            AdminCall::CrisisOff => (Method::POST, "/api/v1/admin/crisis/off"),
            AdminCall::AddRole => (Method::PUT, "/api/v1/admin/users/{username}/roles/{value}"),
            AdminCall::RemoveRole => (
                Method::DELETE,
                "/api/v1/admin/users/{username}/roles/{value}",
            ),
            AdminCall::AddTeam => (Method::PUT, "/api/v1/admin/users/{username}/teams/{value}"),
            AdminCall::RemoveTeam => (
                Method::DELETE,
                "/api/v1/admin/users/{username}/teams/{value}",
            ),
            AdminCall::AddStep => (Method::PUT, "/api/v1/admin/users/{username}/steps/{value}"),
            AdminCall::RemoveStep => (
                Method::DELETE,
                "/api/v1/admin/users/{username}/steps/{value}",
            ),
            AdminCall::AddChannelGrant => (
                Method::PUT,
                "/api/v1/admin/users/{username}/channels/{value}",
            ),
            AdminCall::RemoveChannelGrant => (
                Method::DELETE,
                "/api/v1/admin/users/{username}/channels/{value}",
            ),
            AdminCall::LiftChannelLimit => (
                Method::DELETE,
                "/api/v1/admin/users/{username}/channel-limit",
            ),
            AdminCall::Leave => (Method::POST, "/api/v1/admin/users/{username}/leave"),
            AdminCall::Disable => (Method::POST, "/api/v1/admin/users/{username}/disable"),
            AdminCall::TwoFactor => (Method::GET, "/api/v1/admin/policy/two-factor"),
            AdminCall::SetTwoFactor => (Method::PUT, "/api/v1/admin/policy/two-factor"),
            AdminCall::SetPack => (Method::PUT, "/api/v1/admin/policy"),
            AdminCall::SetRouting => (Method::PUT, "/api/v1/admin/channels/{name}/routing"),
            AdminCall::AddReply => (Method::POST, "/api/v1/admin/replies"),
            AdminCall::RemoveReply => (Method::DELETE, "/api/v1/admin/replies/{name}"),
            AdminCall::Webhooks => (Method::GET, "/api/v1/admin/webhooks"),
            AdminCall::AddWebhook => (Method::POST, "/api/v1/admin/webhooks"),
            AdminCall::RemoveWebhook => (Method::DELETE, "/api/v1/admin/webhooks/{id}"),
            AdminCall::Deliveries => (Method::GET, "/api/v1/admin/webhooks/deliveries"),
            AdminCall::Audit => (Method::GET, "/api/v1/admin/audit"),
            AdminCall::DraftsExport => (Method::GET, "/api/v1/admin/drafts/export"),
        }
    }

    /// What an administrator gets on success.
    fn success(self) -> Expect {
        match self {
            AdminCall::AddChannel | AdminCall::AddReply | AdminCall::AddWebhook => CREATED,
            AdminCall::RemoveReply | AdminCall::RemoveWebhook => NO_CONTENT,
            _ => OK,
        }
    }
}

/// One row of the table: a route, and what it acts on.
#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Health,
    OpenApi,
    /// `GET /api/v1/receipts/key`: public, like the two above.
    ReceiptKey,
    SignIn,
    Refresh,
    SignOut,
    /// `POST /api/v1/sessions/revoke`: sign-out with the refresh token alone.
    RevokeByRefresh,
    Me,
    Changes,
    Channels,
    /// `GET /api/v1/policy`: the pack in force.
    Policy,
    /// `GET /api/v1/replies`: the pre-approved replies.
    Replies,
    /// `POST /api/v1/drafts` on the channel of this name.
    CreateDraft(&'static str),
    GetDraft(Subject),
    EditDraft(Subject),
    Withdraw(Subject),
    /// `POST /api/v1/drafts/{id}/suggestions/{annotation_id}/accept` of a suggestion its
    /// writer left on the whole text.
    AcceptSuggestion(Subject),
    /// `POST /api/v1/drafts/{id}/published`, with a bearer token and no signature.
    Published(Subject),
    /// `POST /api/v1/push` of one decision with this verdict.
    Push(Subject, &'static str),
    Admin(AdminCall),
}

impl Endpoint {
    fn route(self) -> (Method, &'static str) {
        match self {
            Endpoint::Health => (Method::GET, "/healthz"),
            Endpoint::OpenApi => (Method::GET, "/api/v1/openapi.json"),
            Endpoint::ReceiptKey => (Method::GET, "/api/v1/receipts/key"),
            Endpoint::SignIn => (Method::POST, "/api/v1/sessions"),
            Endpoint::Refresh => (Method::POST, "/api/v1/sessions/refresh"),
            Endpoint::SignOut => (Method::DELETE, "/api/v1/sessions/current"),
            Endpoint::RevokeByRefresh => (Method::POST, "/api/v1/sessions/revoke"),
            Endpoint::Me => (Method::GET, "/api/v1/me"),
            Endpoint::Changes => (Method::GET, "/api/v1/changes"),
            Endpoint::Channels => (Method::GET, "/api/v1/channels"),
            Endpoint::Policy => (Method::GET, "/api/v1/policy"),
            Endpoint::Replies => (Method::GET, "/api/v1/replies"),
            Endpoint::CreateDraft(_) => (Method::POST, "/api/v1/drafts"),
            Endpoint::GetDraft(_) => (Method::GET, "/api/v1/drafts/{id}"),
            Endpoint::EditDraft(_) => (Method::PATCH, "/api/v1/drafts/{id}"),
            Endpoint::Withdraw(_) => (Method::POST, "/api/v1/drafts/{id}/withdraw"),
            Endpoint::AcceptSuggestion(_) => (
                Method::POST,
                "/api/v1/drafts/{id}/suggestions/{annotation_id}/accept",
            ),
            Endpoint::Published(_) => (Method::POST, "/api/v1/drafts/{id}/published"),
            Endpoint::Push(..) => (Method::POST, "/api/v1/push"),
            Endpoint::Admin(call) => call.route(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (method, path) = self.route();
        write!(f, "{method} {path}")?;
        match self {
            Endpoint::CreateDraft(channel) => write!(f, " (on {channel})"),
            Endpoint::GetDraft(s)
            | Endpoint::EditDraft(s)
            | Endpoint::Withdraw(s)
            | Endpoint::AcceptSuggestion(s)
            | Endpoint::Published(s) => {
                write!(f, " ({})", s.describe())
            }
            Endpoint::Push(s, verdict) => write!(f, " ({verdict} {})", s.describe()),
            _ => Ok(()),
        }
    }
}

/// The table: every route, and per caller (in [`CALLERS`] order) the answer.
fn table() -> Vec<(Endpoint, [Expect; 9])> {
    use Endpoint as E;
    use Subject as S;
    // A disabled account's right password is refused like a wrong one.
    let disabled_sign_in = Expect::Error(401, "bad_credentials");
    let unknown_sign_in = Expect::Error(401, "bad_credentials");
    let mut rows = vec![
        // Columns: author, reviewer, other team's reviewer, agency, admin, admin+reviewer,
        // author+reviewer, disabled, no token.
        (E::Health, [OK; 9]),
        (E::OpenApi, [OK; 9]),
        // Public by design: anyone holding a receipt checks it with this key.
        (E::ReceiptKey, [OK; 9]),
        (
            E::SignIn,
            [
                OK,
                OK,
                OK,
                OK,
                OK,
                OK,
                OK,
                disabled_sign_in,
                unknown_sign_in,
            ],
        ),
        (E::Refresh, [OK, OK, OK, OK, OK, OK, OK, REVOKED, ANONYMOUS]),
        (
            E::SignOut,
            [
                NO_CONTENT, NO_CONTENT, NO_CONTENT, NO_CONTENT, NO_CONTENT, NO_CONTENT, NO_CONTENT,
                REVOKED, ANONYMOUS,
            ],
        ),
        // Whatever the token (even none a session knows), the same answer.
        (E::RevokeByRefresh, [NO_CONTENT; 9]),
        (E::Me, [OK, OK, OK, OK, OK, OK, OK, REVOKED, ANONYMOUS]),
        (E::Changes, [OK, OK, OK, OK, OK, OK, OK, REVOKED, ANONYMOUS]),
        (
            E::Channels,
            [OK, OK, OK, OK, OK, OK, OK, REVOKED, ANONYMOUS],
        ),
        // The guard's pack and the reply library: for everyone signed in, since desktops
        // review drafts with them offline.
        (E::Policy, [OK, OK, OK, OK, OK, OK, OK, REVOKED, ANONYMOUS]),
        (E::Replies, [OK, OK, OK, OK, OK, OK, OK, REVOKED, ANONYMOUS]),
        // Authors write for their teams' channels they serve; administrators for any.
        (
            E::CreateDraft("care-x"),
            [
                CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, CREATED, CREATED, REVOKED,
                ANONYMOUS,
            ],
        ),
        (
            E::CreateDraft("brand-x"),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, CREATED, CREATED, FORBIDDEN, REVOKED,
                ANONYMOUS,
            ],
        ),
        (
            E::CreateDraft("brand-bluesky"),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, CREATED, FORBIDDEN, REVOKED,
                ANONYMOUS,
            ],
        ),
        // Reading: one's teams (on channels one serves) and administrators.
        (
            E::GetDraft(S::CareByAuthor),
            [OK, OK, FORBIDDEN, FORBIDDEN, OK, OK, OK, REVOKED, ANONYMOUS],
        ),
        (
            E::GetDraft(S::BrandByAgency),
            [
                FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::GetDraft(S::UnservedBrand),
            [
                FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        // Changing: the owner and administrators.
        (
            E::EditDraft(S::CareByAuthor),
            [
                OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::EditDraft(S::UnservedBrand),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Withdraw(S::CareByAuthor),
            [
                OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Withdraw(S::UnservedBrand),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        // Accepting a suggestion is an edit: the owner and administrators.
        (
            E::AcceptSuggestion(S::CareByAuthor),
            [
                OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::AcceptSuggestion(S::UnservedBrand),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        // The publishing report: administrators, or the publishing tool with its webhook's
        // signature (api webhooks::…); never a reviewer or an author.
        (
            E::Published(S::ApprovedCare),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ),
        // Deciding: reviewers of the draft's team, never its writers; administrators only
        // as reviewers of their own teams.
        (
            E::Push(S::CareByAuthor, "approve"),
            [
                REFUSED, APPLIED, REFUSED, REFUSED, REFUSED, APPLIED, APPLIED, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Push(S::CareByAuthor, "reject"),
            [
                REFUSED, APPLIED, REFUSED, REFUSED, REFUSED, APPLIED, APPLIED, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Push(S::CareByAuthorReviewer, "approve"),
            [
                REFUSED, APPLIED, REFUSED, REFUSED, REFUSED, APPLIED, REFUSED, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Push(S::CareEditedByAdminReviewer, "approve"),
            [
                REFUSED, APPLIED, REFUSED, REFUSED, REFUSED, REFUSED, APPLIED, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Push(S::BrandByAgency, "approve"),
            [
                REFUSED, REFUSED, APPLIED, REFUSED, REFUSED, REFUSED, REFUSED, REVOKED, ANONYMOUS,
            ],
        ),
        (
            E::Push(S::UnservedBrand, "approve"),
            [
                REFUSED, REFUSED, APPLIED, REFUSED, REFUSED, REFUSED, REFUSED, REVOKED, ANONYMOUS,
            ],
        ),
    ];
    // Every administrator route: administrators only, whatever else the caller is.
    for call in ADMIN_CALLS {
        let yes = call.success();
        rows.push((
            E::Admin(call),
            [
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, yes, yes, FORBIDDEN, REVOKED, ANONYMOUS,
            ],
        ));
    }
    rows
}

/// A caller's sessions: one for most cells, and one each for the cells that spend or end a
/// session.
struct Sessions {
    main: Session,
    for_refresh: Session,
    for_sign_out: Session,
    for_revoke: Session,
}

/// The organisation of `support::org`, plus what the matrix needs:
/// - `ada` (admin, reviewer in Care), `avery` (author and reviewer in Care), `dora`
///   (reviewer in Care, disabled after signing in);
/// - `brand-bluesky`, a second Brand channel, and the agency limited to `brand-x`;
/// - a team Ops with channel `ops-x` and its author `tess`, whom the admin routes change;
/// - one draft on each of [`BASE_CHANNELS`], so every feed has something to show;
/// - a pre-approved reply `matrix-welcome`, so the reply search has something to find.
struct Matrix {
    t: TestServer,
    ids: HashMap<&'static str, countersign_core::UserId>,
    sessions: HashMap<Caller, Sessions>,
    fresh: AtomicUsize,
}

impl Matrix {
    async fn set_up() -> Self {
        let t = TestServer::start().await;
        let org = org(&t.server).await;
        let server = &t.server;
        add_channel(
            server,
            "brand-bluesky",
            Network::Bluesky,
            "@brand.example",
            "Brand",
            &[],
        )
        .await;
        admin::change_account(
            server,
            &Trail::console(),
            "agency",
            AccountChange::AddChannel("brand-x".into()),
        )
        .await
        .unwrap();
        admin::create_team(server, &Trail::console(), "Ops")
            .await
            .unwrap();
        add_channel(
            server,
            "ops-x",
            Network::Mastodon,
            "@ops_example",
            "Ops",
            &[],
        )
        .await;
        add_user(server, "tess", &[Role::Author], &[], &["Ops"]).await;

        let mut ids = org.ids.clone();
        for (name, roles) in [
            ("ada", vec![Role::Admin, Role::Reviewer]),
            ("avery", vec![Role::Author, Role::Reviewer]),
            ("dora", vec![Role::Reviewer]),
        ] {
            let id = add_user(server, name, &roles, &["review"], &["Care"]).await;
            ids.insert(name, id);
        }

        let mut sessions = HashMap::new();
        for caller in CALLERS {
            let Some(username) = caller.username() else {
                continue;
            };
            sessions.insert(
                caller,
                Sessions {
                    main: t.sign_in(username).await,
                    for_refresh: t.sign_in(username).await,
                    for_sign_out: t.sign_in(username).await,
                    for_revoke: t.sign_in(username).await,
                },
            );
        }
        admin::disable_user(server, &Trail::console(), "dora")
            .await
            .unwrap();

        for (author, channel) in [
            ("alex", "care-x"),
            ("alex", "care-bluesky"),
            ("agency", "brand-x"),
            ("root", "brand-bluesky"),
        ] {
            crate::support::draft_on(server, ids[author], channel, "Base draft").await;
        }
        let welcome = serde_json::from_value(matrix_reply("matrix-welcome")).unwrap();
        admin::add_reply(server, &Trail::console(), welcome)
            .await
            .unwrap();
        Self {
            t,
            ids,
            sessions,
            fresh: AtomicUsize::new(0),
        }
    }

    fn token(&self, caller: Caller) -> Option<&str> {
        self.sessions.get(&caller).map(|s| s.main.access.as_str())
    }

    /// A name no earlier cell used.
    fn fresh(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.fresh.fetch_add(1, Ordering::Relaxed))
    }

    async fn subject(&self, subject: Subject) -> Draft {
        let server = &self.t.server;
        let (author, channel) = match subject {
            Subject::CareByAuthor | Subject::CareEditedByAdminReviewer | Subject::ApprovedCare => {
                ("alex", "care-x")
            }
            Subject::CareByAuthorReviewer => ("avery", "care-x"),
            Subject::BrandByAgency => ("agency", "brand-x"),
            Subject::UnservedBrand => ("root", "brand-bluesky"),
        };
        let draft =
            crate::support::draft_on(server, self.ids[author], channel, subject.describe()).await;
        if let Subject::ApprovedCare = subject {
            let rita = self.token(Reviewer).unwrap_or_default();
            let results = self
                .t
                .push(
                    rita,
                    &crate::support::client(),
                    vec![decide(1, draft.id, draft.version, "approve")],
                )
                .await;
            assert_eq!(results[0]["status"], "applied", "{results:?}");
            let root = self.token(Admin).unwrap_or_default();
            let (_, approved) = self
                .t
                .get(&format!("/api/v1/drafts/{}", draft.id), root)
                .await;
            assert_eq!(approved["status"], "approved", "{approved}");
            return serde_json::from_value(approved).unwrap();
        }
        if let Subject::CareEditedByAdminReviewer = subject {
            let edit = EditDraft {
                version: draft.version,
                body: "Edited by ada".into(),
            };
            return admin::edit_draft(server, &Trail::console(), self.ids["ada"], draft.id, edit)
                .await
                .unwrap();
        }
        draft
    }

    /// Makes what the cell acts on and sends its request.
    async fn call(&self, endpoint: Endpoint, caller: Caller) -> (StatusCode, Value) {
        let t = &self.t;
        let token = self.token(caller);
        let (method, _) = endpoint.route();
        let draft_path = |d: &Draft| format!("/api/v1/drafts/{}", d.id);
        match endpoint {
            Endpoint::Health
            | Endpoint::OpenApi
            | Endpoint::ReceiptKey
            | Endpoint::Me
            | Endpoint::Channels
            | Endpoint::Policy => t.call(method, endpoint.route().1, token, None).await,
            Endpoint::Replies => {
                t.call(method, "/api/v1/replies?q=matrix", token, None)
                    .await
            }
            Endpoint::Changes => {
                t.call(method, "/api/v1/changes?limit=5000", token, None)
                    .await
            }
            Endpoint::SignIn => {
                let body = json!({
                    "username": caller.username().unwrap_or("nobody"),
                    "password": PASSWORD,
                });
                t.call(method, "/api/v1/sessions", None, Some(&body)).await
            }
            Endpoint::Refresh => {
                let refresh = self
                    .sessions
                    .get(&caller)
                    .map_or("not-a-refresh-token", |s| s.for_refresh.refresh.as_str());
                t.refresh(refresh).await
            }
            Endpoint::SignOut => {
                let token = self
                    .sessions
                    .get(&caller)
                    .map(|s| s.for_sign_out.access.as_str());
                t.call(method, "/api/v1/sessions/current", token, None)
                    .await
            }
            Endpoint::RevokeByRefresh => {
                let refresh = self
                    .sessions
                    .get(&caller)
                    .map_or("not-a-refresh-token", |s| s.for_revoke.refresh.as_str());
                let body = json!({ "refresh_token": refresh });
                t.call(method, "/api/v1/sessions/revoke", None, Some(&body))
                    .await
            }
            Endpoint::CreateDraft(channel) => {
                let channel = admin::channel_named(&t.server, channel).await.unwrap();
                let body = serde_json::to_value(crate::support::new_draft(
                    &channel,
                    "Written in the matrix",
                ))
                .unwrap();
                t.call(method, "/api/v1/drafts", token, Some(&body)).await
            }
            Endpoint::GetDraft(subject) => {
                let d = self.subject(subject).await;
                t.call(method, &draft_path(&d), token, None).await
            }
            Endpoint::EditDraft(subject) => {
                let d = self.subject(subject).await;
                let body = json!({"version": d.version, "body": "Changed in the matrix"});
                t.call(method, &draft_path(&d), token, Some(&body)).await
            }
            Endpoint::Withdraw(subject) => {
                let d = self.subject(subject).await;
                let path = format!("{}/withdraw", draft_path(&d));
                t.call(method, &path, token, None).await
            }
            Endpoint::AcceptSuggestion(subject) => {
                let d = self.subject(subject).await;
                // Its writer suggests new words for the whole text (the writer may comment on
                // their own draft), so the cell asks only who may accept.
                let writer = if matches!(subject, Subject::UnservedBrand) {
                    Admin
                } else {
                    Author
                };
                let annotation = uuid::Uuid::now_v7();
                let len = d.body.chars().count();
                let comment = json!({
                    "mutation_id": 1,
                    "kind": "annotate",
                    "annotation": {
                        "id": annotation,
                        "draft_id": d.id,
                        "draft_version": d.version,
                        "body": "Try this",
                        "suggestion": "Replaced in the matrix",
                        "target": {
                            "quote": {"exact": d.body},
                            "position": {"start": 0, "end": len}
                        }
                    }
                });
                let writer = self.token(writer).unwrap_or_default();
                let results = t
                    .push(writer, &crate::support::client(), vec![comment])
                    .await;
                assert_eq!(results[0]["status"], "applied", "{results:?}");
                let path = format!("{}/suggestions/{annotation}/accept", draft_path(&d));
                let body = json!({"version": d.version});
                t.call(method, &path, token, Some(&body)).await
            }
            Endpoint::Published(subject) => {
                let d = self.subject(subject).await;
                let path = format!("{}/published", draft_path(&d));
                t.call(method, &path, token, None).await
            }
            Endpoint::Push(subject, verdict) => {
                let d = self.subject(subject).await;
                let body = json!({
                    "client_id": crate::support::client(),
                    "mutations": [decide(1, d.id, d.version, verdict)],
                });
                t.call(method, "/api/v1/push", token, Some(&body)).await
            }
            Endpoint::Admin(call) => self.admin_call(call, token).await,
        }
    }

    async fn admin_call(&self, call: AdminCall, token: Option<&str>) -> (StatusCode, Value) {
        let (t, server) = (&self.t, &self.t.server);
        let (method, _) = call.route();
        let tess = |what: &str| format!("/api/v1/admin/users/tess/{what}");
        let (path, body) = match call {
            AdminCall::Access => ("/api/v1/admin/access".to_owned(), None),
            AdminCall::Channels => ("/api/v1/admin/channels".to_owned(), None),
            AdminCall::AddChannel => {
                let name = self.fresh("ops-extra-");
                let body = json!({
                    "name": name,
                    "network": "mastodon",
                    "account": format!("@{name}"),
                    "team": "Ops",
                });
                ("/api/v1/admin/channels".to_owned(), Some(body))
            }
            AdminCall::SetPolicy => (
                "/api/v1/admin/channels/ops-x".to_owned(),
                Some(json!({"policy": [{"step": "review", "quorum": 1}]})),
            ),
            AdminCall::Crisis => ("/api/v1/admin/crisis".to_owned(), None),
            AdminCall::CrisisOn => (
                "/api/v1/admin/crisis/on".to_owned(),
                Some(json!({"reason": "Drill", "channels": ["ops-x"]})),
            ),
            AdminCall::CrisisOff => {
                // Off needs it on: on for Ops alone, which no other cell reads.
                admin::crisis_on(server, &Trail::console(), "Drill", &["ops-x".into()])
                    .await
                    .unwrap();
                ("/api/v1/admin/crisis/off".to_owned(), None)
            }
            AdminCall::AddRole | AdminCall::RemoveRole => (tess("roles/spokesperson"), None),
            AdminCall::AddTeam | AdminCall::RemoveTeam => (tess("teams/Brand"), None),
            AdminCall::AddStep | AdminCall::RemoveStep => (tess("steps/legal"), None),
            AdminCall::AddChannelGrant | AdminCall::RemoveChannelGrant => {
                (tess("channels/ops-x"), None)
            }
            AdminCall::LiftChannelLimit => (tess("channel-limit"), None),
            AdminCall::Leave => {
                let leaver = self.fresh("leaver");
                add_user(server, &leaver, &[Role::Author], &[], &["Ops"]).await;
                (
                    format!("/api/v1/admin/users/{leaver}/leave"),
                    Some(json!({"handover": "tess"})),
                )
            }
            AdminCall::Disable => {
                let victim = self.fresh("lost-laptop");
                add_user(server, &victim, &[Role::Author], &[], &["Ops"]).await;
                (format!("/api/v1/admin/users/{victim}/disable"), None)
            }
            AdminCall::TwoFactor => ("/api/v1/admin/policy/two-factor".to_owned(), None),
            AdminCall::SetTwoFactor => (
                "/api/v1/admin/policy/two-factor".to_owned(),
                Some(json!({"roles": []})),
            ),
            AdminCall::SetPack => {
                // A pack that adds a code name nobody writes: every later cell's drafts
                // are reviewed the same as before.
                let source = format!(
                    "format = 1\nname = \"Matrix\"\n[organisation]\ncode_names = [\"{}\"]\n",
                    self.fresh("Project Matrix ")
                );
                (
                    "/api/v1/admin/policy".to_owned(),
                    Some(json!({ "source": source })),
                )
            }
            AdminCall::SetRouting => (
                "/api/v1/admin/channels/ops-x/routing".to_owned(),
                Some(json!({"pre_approved_replies": true})),
            ),
            AdminCall::AddReply => (
                "/api/v1/admin/replies".to_owned(),
                Some(matrix_reply(&self.fresh("matrix-reply-"))),
            ),
            AdminCall::Webhooks => ("/api/v1/admin/webhooks".to_owned(), None),
            AdminCall::Deliveries => ("/api/v1/admin/webhooks/deliveries".to_owned(), None),
            AdminCall::Audit => ("/api/v1/admin/audit".to_owned(), None),
            AdminCall::DraftsExport => ("/api/v1/admin/drafts/export".to_owned(), None),
            AdminCall::AddWebhook => (
                "/api/v1/admin/webhooks".to_owned(),
                Some(json!({"url": MATRIX_HOOK, "channel": "ops-x"})),
            ),
            AdminCall::RemoveWebhook => {
                let added = countersign_server::webhooks::add(
                    server,
                    MATRIX_HOOK,
                    Some("ops-x"),
                    false,
                    Trail::console(),
                )
                .await
                .unwrap();
                (format!("/api/v1/admin/webhooks/{}", added.webhook.id), None)
            }
            AdminCall::RemoveReply => {
                // Removing needs one to remove: a fresh one for each cell.
                let name = self.fresh("matrix-gone-");
                let new = serde_json::from_value(matrix_reply(&name)).unwrap();
                admin::add_reply(server, &Trail::console(), new)
                    .await
                    .unwrap();
                (format!("/api/v1/admin/replies/{name}"), None)
            }
        };
        t.call(method, &path, token, body.as_ref()).await
    }

    /// What a successful answer must contain, beyond its status.
    async fn check_body(
        &self,
        endpoint: Endpoint,
        caller: Caller,
        body: &Value,
    ) -> Result<(), String> {
        let all_channels: Vec<countersign_core::Channel> =
            admin::list_channels(&self.t.server).await.unwrap();
        let visible: BTreeSet<String> = match caller.channels() {
            Some(names) => names.into_iter().map(String::from).collect(),
            None => all_channels.iter().map(|c| c.name.clone()).collect(),
        };
        match endpoint {
            Endpoint::Channels => {
                let listed: BTreeSet<String> = body
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["name"].as_str().map(String::from))
                    .collect();
                if listed != visible {
                    return Err(format!(
                        "GET /api/v1/channels must list exactly {visible:?}, listed {listed:?}"
                    ));
                }
            }
            Endpoint::Changes => {
                // What a desktop holds after pulling every page: a scope change (the
                // agency's channel limit) ends a page early with its removals.
                let name_of = |id: &Value| {
                    all_channels
                        .iter()
                        .find(|c| json!(c.id) == *id)
                        .map_or_else(|| format!("unknown channel {id}"), |c| c.name.clone())
                };
                let mut held: HashMap<String, String> = HashMap::new();
                let mut page = body.clone();
                for _ in 0..100 {
                    for change in page["changes"].as_array().into_iter().flatten() {
                        if change["kind"] == "upsert" {
                            let draft = &change["draft"];
                            held.insert(draft["id"].to_string(), name_of(&draft["channel_id"]));
                        } else {
                            held.remove(&change["draft_id"].to_string());
                        }
                    }
                    if page["has_more"] != true {
                        break;
                    }
                    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
                    let path = format!("/api/v1/changes?limit=5000&cursor={cursor}");
                    let (status, next) = self
                        .t
                        .call(Method::GET, &path, self.token(caller), None)
                        .await;
                    if status != StatusCode::OK {
                        return Err(format!("the next page answered {status} {next}"));
                    }
                    page = next;
                }
                let carried: BTreeSet<String> = held.into_values().collect();
                if !carried.is_subset(&visible) {
                    return Err(format!(
                        "the feed left drafts on {:?}, which the caller cannot see",
                        carried.difference(&visible).collect::<Vec<_>>()
                    ));
                }
                let missing: Vec<&str> = BASE_CHANNELS
                    .into_iter()
                    .filter(|c| visible.contains(*c) && !carried.contains(*c))
                    .collect();
                if !missing.is_empty() {
                    return Err(format!("the feed left out the drafts on {missing:?}"));
                }
            }
            Endpoint::Policy => {
                let has_rules = body["rules"].as_array().is_some_and(|r| !r.is_empty());
                if !has_rules || !body["version"].is_u64() {
                    return Err(format!("the pack must carry its version and rules: {body}"));
                }
            }
            Endpoint::Replies => {
                let names: Vec<&str> = body
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["name"].as_str())
                    .collect();
                if names.is_empty() || names.iter().any(|n| !n.starts_with("matrix-")) {
                    return Err(format!("?q=matrix must list the matrix's replies: {body}"));
                }
            }
            Endpoint::Me | Endpoint::SignIn => {
                let user = if let Endpoint::Me = endpoint {
                    body
                } else {
                    &body["user"]
                };
                if user["username"].as_str() != caller.username() {
                    return Err(format!("answered for someone else: {user}"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Where the matrix's webhooks point: a closed port on this machine, so a delivery fails at
/// once instead of going anywhere.
const MATRIX_HOOK: &str = "https://127.0.0.1:9/matrix";

/// A clean pre-approved reply named `name`, as `POST /api/v1/admin/replies` takes it.
fn matrix_reply(name: &str) -> Value {
    json!({"name": name, "text": "Thanks for waiting, {first_name}: the matrix has your answer."})
}

/// Every (method, path) of the OpenAPI document.
async fn documented_routes(t: &TestServer) -> BTreeSet<String> {
    let (status, doc) = t
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "the OpenAPI document: {doc}");
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_rules_say() {
    let m = Matrix::set_up().await;
    let table = table();

    let covered: BTreeSet<String> = table
        .iter()
        .map(|(endpoint, _)| {
            let (method, path) = endpoint.route();
            format!("{method} {path}")
        })
        .collect();
    let documented = documented_routes(&m.t).await;
    assert_eq!(
        covered,
        documented,
        "the table must cover every route of the OpenAPI document and nothing else; \
         missing: {:?}, extra: {:?}",
        documented.difference(&covered).collect::<Vec<_>>(),
        covered.difference(&documented).collect::<Vec<_>>()
    );

    let mut failures = vec![];
    let mut cells = 0;
    for (endpoint, row) in &table {
        for (caller, expect) in CALLERS.into_iter().zip(row) {
            cells += 1;
            let (status, body) = m.call(*endpoint, caller).await;
            let mut verdict = expect.check(status, &body);
            if verdict.is_ok() && status.is_success() {
                verdict = m.check_body(*endpoint, caller, &body).await;
            }
            if let Err(why) = verdict {
                failures.push(format!("{endpoint} as {}: {why}", caller.label()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells answered wrongly:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
