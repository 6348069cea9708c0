//! A demo organisation, so the desktop has something real to approve on first start.
//!
//! **Hartwell & Lane** is a high-street retailer with in-store pharmacies (the kind of company
//! the social-media-policy stories in the design seeds are about). It has two teams —
//! Customer Care and Brand & Campaigns — reviewers (one of them for the `legal` step), a
//! crisis spokesperson, staff authors, an outside agency that may only draft, and an
//! administrator, all sharing one demo password. Its queue holds 65 drafts across all seven
//! networks: replies to customers, campaigns, crisis statements about a store fire and a
//! product recall, and a dozen drafts that break the social-media policy (gossip about a
//! celebrity's mother's prescriptions, mocking a customer, a code name marked "internal
//! only", customers' phone numbers, emails, card numbers and addresses in public replies, an
//! unauthorised person speaking in a crisis, over-length posts, images without alt text, and
//! one body of hostile HTML that must be shown as text).
//!
//! Everything is deterministic except ids; times are relative to the `now` passed in.

mod brand;
mod bulk;
mod customer_care;
mod sample;

pub use bulk::bulk_drafts;

use crate::admin::{self, AccountChange, NewUser};
use crate::error::ServerError;
use crate::policy::{Review, Written};
use crate::trail::Trail;
use crate::{Server, drafts};
use chrono::{DateTime, Duration, Utc};
use countersign_core::approval::{self, Actor};
use countersign_core::channel::{Routing, StepRequest};
use countersign_core::wire::NewDraft;
use countersign_core::wire::NewReply;
use countersign_core::wire::admin::NewChannel;
use countersign_core::{
    ChannelRules, Decision, DecisionId, Draft, Network, Role, Sensitive, StepRule, Verdict,
};
use sample::{Sample, Then, channel::*};
use std::collections::HashMap;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "countersign-demo";

/// The Customer Care team.
pub const CUSTOMER_CARE: &str = "Customer Care";
/// The Brand & Campaigns team.
pub const BRAND_AND_CAMPAIGNS: &str = "Brand & Campaigns";

/// How to sign in to the demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoCredentials {
    /// The password of every account.
    pub password: String,
    /// The accounts, reviewers first.
    pub accounts: Vec<DemoAccount>,
    /// True when this call created the organisation, false when it already existed.
    pub created: bool,
}

/// One demo account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    /// Sign-in name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Who they are, in a few words.
    pub about: String,
}

struct Account {
    username: &'static str,
    display_name: &'static str,
    roles: &'static [Role],
    steps: &'static [&'static str],
    teams: &'static [&'static str],
    about: &'static str,
}

const BOTH: &[&str] = &[CUSTOMER_CARE, BRAND_AND_CAMPAIGNS];

/// One demo channel: name, network, account, owning team, policy.
type DemoChannel = (
    &'static str,
    Network,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// Hartwell & Lane's channels. The corporate LinkedIn page needs a legal sign-off as well
/// as a review; everything else one review (authors add legal where they want it).
const CHANNELS: &[DemoChannel] = &[
    ("care-x", Network::X, HELP_X, CUSTOMER_CARE, &["review"]),
    (
        "care-facebook",
        Network::Facebook,
        HELP_FACEBOOK,
        CUSTOMER_CARE,
        &["review"],
    ),
    (
        "care-bluesky",
        Network::Bluesky,
        HELP_BLUESKY,
        CUSTOMER_CARE,
        &["review"],
    ),
    (
        "care-mastodon",
        Network::Mastodon,
        HELP_MASTODON,
        CUSTOMER_CARE,
        &["review"],
    ),
    (
        "care-instagram",
        Network::Instagram,
        HELP_INSTAGRAM,
        CUSTOMER_CARE,
        &["review"],
    ),
    (
        "care-threads",
        Network::Threads,
        HELP_THREADS,
        CUSTOMER_CARE,
        &["review"],
    ),
    (
        "brand-x",
        Network::X,
        BRAND_X,
        BRAND_AND_CAMPAIGNS,
        &["review"],
    ),
    (
        "brand-facebook",
        Network::Facebook,
        FACEBOOK,
        BRAND_AND_CAMPAIGNS,
        &["review"],
    ),
    (
        "brand-bluesky",
        Network::Bluesky,
        BLUESKY,
        BRAND_AND_CAMPAIGNS,
        &["review"],
    ),
    (
        "brand-mastodon",
        Network::Mastodon,
        MASTODON,
        BRAND_AND_CAMPAIGNS,
        &["review"],
    ),
    (
        "brand-instagram",
        Network::Instagram,
        INSTAGRAM,
        BRAND_AND_CAMPAIGNS,
        &["review"],
    ),
    (
        "brand-threads",
        Network::Threads,
        THREADS,
        BRAND_AND_CAMPAIGNS,
        &["review"],
    ),
    (
        "brand-linkedin",
        Network::Linkedin,
        LINKEDIN,
        BRAND_AND_CAMPAIGNS,
        &["review", "legal"],
    ),
];

/// The outside agency serves these channels only (not the LinkedIn page, not Mastodon).
const AGENCY_CHANNELS: &[&str] = &[
    "brand-x",
    "brand-facebook",
    "brand-bluesky",
    "brand-instagram",
    "brand-threads",
];

/// The organisation's policy pack (code names, VIPs, banned claims).
const DEMO_PACK: &str = include_str!("demo/pack.toml");

/// The care team's library of pre-approved replies.
const DEMO_REPLIES: &[(&str, &str)] = &[
    (
        "late-delivery",
        "Sorry to hear that, {first_name} — DM us your order number and we'll sort it today.",
    ),
    (
        "thanks-to-store",
        "Thank you, {first_name}! We've passed your lovely message on to the team at {store}.",
    ),
    (
        "stock-check",
        "Hi {first_name}, DM us the product and your nearest store and we'll check the stock \
         for you.",
    ),
];

const ACCOUNTS: &[Account] = &[
    Account {
        username: "hannah.okafor",
        display_name: "Hannah Okafor",
        roles: &[Role::Reviewer],
        steps: &["review"],
        teams: BOTH,
        about: "Head of Social Media; reviews for both teams",
    },
    Account {
        username: "tom.reid",
        display_name: "Tom Reid",
        roles: &[Role::Reviewer],
        steps: &["review"],
        teams: &[CUSTOMER_CARE],
        about: "Customer Care team lead; reviews care replies",
    },
    Account {
        username: "margaret.lewis",
        display_name: "Margaret Lewis",
        roles: &[Role::Reviewer, Role::Spokesperson],
        steps: &["legal"],
        teams: BOTH,
        about: "General Counsel; takes the legal step, may approve in a crisis",
    },
    Account {
        username: "david.chen",
        display_name: "David Chen",
        roles: &[Role::Reviewer, Role::Spokesperson],
        steps: &["review"],
        teams: BOTH,
        about: "Director of Communications; the crisis spokesperson",
    },
    Account {
        username: "sam.patel",
        display_name: "Sam Patel",
        roles: &[Role::Author],
        steps: &[],
        teams: &[CUSTOMER_CARE],
        about: "Customer care adviser",
    },
    Account {
        username: "chloe.baker",
        display_name: "Chloe Baker",
        roles: &[Role::Author],
        steps: &[],
        teams: &[CUSTOMER_CARE],
        about: "Pharmacy communications officer",
    },
    Account {
        username: "jack.turner",
        display_name: "Jack Turner",
        roles: &[Role::Author],
        steps: &[],
        teams: &[CUSTOMER_CARE],
        about: "Store supervisor at Leeds Briggate",
    },
    Account {
        username: "ellie.morgan",
        display_name: "Ellie Morgan",
        roles: &[Role::Author],
        steps: &[],
        teams: &[BRAND_AND_CAMPAIGNS],
        about: "Social media executive, brand",
    },
    Account {
        username: "brightside.agency",
        display_name: "Brightside Agency (external)",
        roles: &[Role::Author],
        steps: &[],
        teams: &[BRAND_AND_CAMPAIGNS],
        about: "Outside agency: may draft, never approve",
    },
    Account {
        username: "admin",
        display_name: "Priya Raman",
        roles: &[Role::Admin],
        steps: &[],
        teams: &[],
        about: "IT administrator; manages users, sees every team",
    },
];

/// Creates the demo organisation unless the server already has users (then it changes
/// nothing). Either way it returns how to sign in.
pub async fn seed(server: &Server, now: DateTime<Utc>) -> Result<DemoCredentials, ServerError> {
    if server.storage().count_users().await? > 0 {
        return Ok(credentials(false));
    }
    let mut teams = HashMap::new();
    for name in [CUSTOMER_CARE, BRAND_AND_CAMPAIGNS] {
        teams.insert(
            name,
            admin::create_team(server, &Trail::server(), name).await?,
        );
    }
    for (name, network, account, team, policy) in CHANNELS {
        admin::add_channel(
            server,
            &Trail::server(),
            NewChannel {
                name: Some((*name).to_owned()),
                network: *network,
                account: (*account).to_owned(),
                team: (*team).to_owned(),
                policy: policy.iter().map(|s| StepRule::one(s)).collect(),
            },
        )
        .await?;
    }
    for account in ACCOUNTS {
        let user = NewUser {
            username: account.username.to_owned(),
            display_name: account.display_name.to_owned(),
            password: Sensitive::new(DEMO_PASSWORD.to_owned()),
            roles: account.roles.to_vec(),
            steps: account.steps.iter().map(|s| (*s).to_owned()).collect(),
            teams: account
                .teams
                .iter()
                .filter_map(|t| teams.get(t).copied())
                .collect(),
        };
        admin::add_user(server, &Trail::server(), user).await?;
    }
    for channel in AGENCY_CHANNELS {
        admin::change_account(
            server,
            &Trail::server(),
            "brightside.agency",
            AccountChange::AddChannel((*channel).to_owned()),
        )
        .await?;
    }
    // The guard's settings come before the drafts, so the drafts are routed by them.
    admin::set_policy_pack(server, &Trail::server(), DEMO_PACK.to_owned()).await?;
    for (name, text) in DEMO_REPLIES {
        let new = NewReply {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        };
        admin::add_reply(server, &Trail::server(), new).await?;
    }
    for (name, ..) in CHANNELS {
        let routing = Routing {
            // A breach goes past the General Counsel before it can go out.
            on_block: Some(StepRule::one("legal")),
            fast_lane: None,
            pre_approved_replies: name.starts_with("care-"),
        };
        admin::set_channel_routing(server, &Trail::server(), name, routing).await?;
    }
    let review = Review::load(server).await?;
    let actors: HashMap<String, Actor> = server
        .storage()
        .users()
        .await?
        .into_iter()
        .map(|u| (u.username.clone(), u.actor()))
        .collect();
    let mut rules = HashMap::new();
    for channel in admin::list_channels(server).await? {
        let key = (channel.network, channel.account.clone());
        rules.insert(key, drafts::rules_for(server, &channel).await?);
    }
    let mut drafts = customer_care::samples()
        .into_iter()
        .chain(brand::samples())
        .map(|sample| {
            let key = (sample.network, sample.channel.to_owned());
            let rules = rules
                .get(&key)
                .ok_or_else(|| missing("channel", sample.channel))?;
            realise(sample, rules, &actors, now, &review)
        })
        .collect::<Result<Vec<Draft>, ServerError>>()?;
    drafts.sort_by_key(|d| d.created_at);
    server
        .storage()
        .insert_drafts(drafts, Trail::server())
        .await?;
    tracing::info!("demo organisation created");
    Ok(credentials(true))
}

fn credentials(created: bool) -> DemoCredentials {
    DemoCredentials {
        password: DEMO_PASSWORD.to_owned(),
        accounts: ACCOUNTS
            .iter()
            .map(|a| DemoAccount {
                username: a.username.to_owned(),
                display_name: a.display_name.to_owned(),
                roles: a.roles.to_vec(),
                about: a.about.to_owned(),
            })
            .collect(),
        created,
    }
}

/// Turns a sample into a stored draft under its channel's rules, running any follow-up
/// through the approval rules.
fn realise(
    sample: Sample,
    rules: &ChannelRules,
    actors: &HashMap<String, Actor>,
    now: DateTime<Utc>,
    review: &Review,
) -> Result<Draft, ServerError> {
    let actor = |name: &str| actors.get(name).ok_or_else(|| missing("user", name));
    let author = actor(sample.author)?;
    let media = sample.media.clone();
    let risk_of = |body: &str| {
        let findings = review.findings_of(&Written {
            body,
            network: sample.network,
            media: &media,
            channel: Some(rules.channel.id),
            author: author.person.id,
            urgency: rules.urgency(sample.urgency),
        });
        review.risk(body, sample.network, &findings)
    };
    let risk = risk_of(sample.body);
    let created = now - Duration::minutes(sample.age);
    let request = NewDraft {
        team: None,
        network: sample.network,
        channel: sample.channel.to_owned(),
        body: sample.body.to_owned(),
        urgency: sample.urgency,
        scheduled_at: sample.due_in.map(|m| now + Duration::minutes(m)),
        required_steps: Some(
            sample
                .steps
                .iter()
                .map(|s| StepRequest::Name((*s).to_owned()))
                .collect(),
        ),
        in_reply_to: sample.reply_to,
        media: sample.media,
    };
    let draft = drafts::build(
        author,
        rules,
        request,
        drafts::new_id(created),
        created,
        &risk,
    )?;
    // Follow-ups happen a third and two thirds of the way from writing to now.
    let step = (now - created) / 3;
    let decision = |verdict, comment: &str, at| Decision {
        id: DecisionId(crate::clock::uuid_v7(at)),
        draft_id: draft.id,
        draft_version: draft.version,
        verdict,
        comment: comment.to_owned(),
        override_reason: None,
        client_time: Some(at),
    };
    Ok(match sample.then {
        Then::Nothing => draft,
        Then::Reviewed(reviewer) => {
            let at = created + step;
            let comment = "Fine from the brand side; over to legal.";
            approval::decide(
                &draft,
                actor(reviewer)?,
                &decision(Verdict::Approve, comment, at),
                at,
            )?
        }
        Then::Revised {
            reviewer,
            comment,
            body,
        } => {
            let at = created + step;
            let sent_back = approval::decide(
                &draft,
                actor(reviewer)?,
                &decision(Verdict::RequestChanges, comment, at),
                at,
            )?;
            let revised_risk = risk_of(body);
            let routed = Some((rules, &revised_risk));
            approval::edit(&sent_back, author, body.to_owned(), routed, at + step)?
        }
    })
}

fn missing(what: &str, name: &str) -> ServerError {
    ServerError::Invalid(format!("the demo data names an unknown {what} {name:?}"))
}

#[cfg(test)]
mod tests;
