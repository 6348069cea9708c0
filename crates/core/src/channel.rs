//! Channels and their approval policy.
//!
//! A **channel** is one of the organisation's accounts on a network (`@HartwellHelp` on X),
//! owned by a team. Its **policy** is an ordered list of [`StepRule`]s, set by an
//! administrator: which qualification may take each step (`review`, `legal`, …) and how many
//! distinct people must approve it ([`Quorum`]: a number, or `all` holders of the
//! qualification in the team).
//!
//! A new draft gets its steps from its channel's policy. The author may ask for more — add a
//! step, raise a quorum — never for less: [`steps_for_draft`] keeps the stricter of the two
//! for every step, so a request with no steps at all changes nothing. [`resolve_steps`] then
//! turns the rules into the draft's [`RequiredStep`]s, naming the people an `all` step waits
//! for and refusing rules nobody in the team could satisfy.

use crate::approval::Actor;
use crate::draft::{Draft, Network, Person, RequiredStep, Urgency};
use crate::ids::{ChannelId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many distinct people must approve a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quorum {
    /// This many different people qualified for the step (at least 1).
    Count(u32),
    /// Every holder of the qualification in the draft's team (bar its author and editors),
    /// named on the draft when its steps are set.
    All,
}

impl Default for Quorum {
    fn default() -> Self {
        Quorum::Count(1)
    }
}

impl Quorum {
    /// Parses `1`, `2`, … or `all`.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(Quorum::All);
        }
        match text.parse::<u32>() {
            Ok(0) => Err(PolicyError::ZeroQuorum),
            Ok(n) => Ok(Quorum::Count(n)),
            Err(_) => Err(PolicyError::BadQuorum(text.to_owned())),
        }
    }

    /// True when `self` asks for more than `other`. `all` counts as more than any number: it
    /// names people instead of counting them.
    pub fn is_stricter_than(self, other: Quorum) -> bool {
        match (self, other) {
            (Quorum::All, Quorum::All) => false,
            (Quorum::All, Quorum::Count(_)) => true,
            (Quorum::Count(_), Quorum::All) => false,
            (Quorum::Count(a), Quorum::Count(b)) => a > b,
        }
    }
}

impl fmt::Display for Quorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quorum::Count(n) => n.fmt(f),
            Quorum::All => f.write_str("all"),
        }
    }
}

// On the wire a quorum is a number or the string "all".
impl Serialize for Quorum {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Quorum::Count(n) => serializer.serialize_u32(*n),
            Quorum::All => serializer.serialize_str("all"),
        }
    }
}

impl<'de> Deserialize<'de> for Quorum {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Count(u64),
            Text(String),
        }
        let quorum = match Wire::deserialize(deserializer)? {
            Wire::Count(0) => Err(PolicyError::ZeroQuorum),
            Wire::Count(n) => u32::try_from(n)
                .map(Quorum::Count)
                .map_err(|_| PolicyError::BadQuorum(n.to_string())),
            Wire::Text(text) => Quorum::parse(&text),
        };
        quorum.map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Quorum {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .description(Some("this many distinct people")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["all"]))
                    .description(Some("every holder of the qualification in the team")),
            )
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Quorum {}

/// One step of a channel's policy.
///
/// Read in both directions (a request's policy, and every channel in a desktop's directory),
/// so it accepts unknown fields: a desktop keeps working when a newer server adds one. The
/// server refuses them in requests at its boundary (`countersign_server::api::extract`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepRule {
    /// The qualification that may take it, e.g. `review` or `legal`: a single word.
    pub step: String,
    /// How many distinct people must approve it; 1 when left out.
    #[serde(default)]
    pub quorum: Quorum,
}

impl StepRule {
    /// A step needing one approval.
    pub fn one(step: &str) -> Self {
        Self {
            step: step.to_owned(),
            quorum: Quorum::Count(1),
        }
    }

    /// Parses `review`, `legal:2` or `legal:all`.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let (step, quorum) = match text.trim().split_once(':') {
            Some((step, quorum)) => (step, Quorum::parse(quorum)?),
            None => (text.trim(), Quorum::Count(1)),
        };
        let rule = Self {
            step: step.to_owned(),
            quorum,
        };
        check_step_name(&rule.step)?;
        Ok(rule)
    }
}

impl fmt::Display for StepRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.quorum {
            Quorum::Count(1) => f.write_str(&self.step),
            quorum => write!(f, "{}:{quorum}", self.step),
        }
    }
}

/// A step as an author asks for it: by name alone (one approval), or with a quorum.
///
/// Its `Deserialize` is written by hand rather than derived `untagged`: an untagged derive
/// buffers the value first, and from the buffer no wrapper can see an unknown field inside
/// the rule; read in one pass, the server's boundary check refuses `{"step": "legal",
/// "typo": 1}` like any other unknown field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum StepRequest {
    /// `"legal"`.
    Name(String),
    /// `{"step": "legal", "quorum": 2}`.
    Rule(StepRule),
}

impl<'de> Deserialize<'de> for StepRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = StepRequest;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a step name, or {\"step\": name, \"quorum\": n}")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StepRequest, E> {
                Ok(StepRequest::Name(v.to_owned()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<StepRequest, A::Error> {
                StepRule::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(StepRequest::Rule)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl StepRequest {
    /// The request as a rule.
    pub fn rule(&self) -> StepRule {
        match self {
            StepRequest::Name(step) => StepRule::one(step),
            StepRequest::Rule(rule) => rule.clone(),
        }
    }
}

/// Why a policy or a draft's steps are unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A policy without steps.
    #[error("a channel's policy needs at least one approval step")]
    Empty,
    /// A step name with spaces, or none.
    #[error("approval steps are single words, like review or legal (not {0:?})")]
    BadStepName(String),
    /// The same step twice.
    #[error("the step {0} appears twice; give it one quorum instead")]
    Duplicate(String),
    /// A quorum of 0.
    #[error("a quorum is at least 1")]
    ZeroQuorum,
    /// A quorum that is neither a number nor `all`.
    #[error("a quorum is a number or all, not {0:?}")]
    BadQuorum(String),
    /// Fewer people can take the step than it needs.
    #[error(
        "the {step} step needs {needed} and {team_name} has {available} qualified for it; ask an \
         administrator to give more people the {step} step (user step add) or change the \
         channel's policy"
    )]
    Unsatisfiable {
        /// The step.
        step: String,
        /// What it needs, in words ("2 approvals", "every holder").
        needed: String,
        /// How many people could take it.
        available: usize,
        /// The team, by name.
        team_name: String,
    },
}

fn check_step_name(step: &str) -> Result<(), PolicyError> {
    if step.is_empty() || step.chars().any(|c| c.is_whitespace() || c == ':') {
        return Err(PolicyError::BadStepName(step.to_owned()));
    }
    Ok(())
}

/// Checks a channel's policy: at least one step, each a single word, none twice.
pub fn check_policy(policy: &[StepRule]) -> Result<(), PolicyError> {
    if policy.is_empty() {
        return Err(PolicyError::Empty);
    }
    check_rules(policy)
}

fn check_rules(rules: &[StepRule]) -> Result<(), PolicyError> {
    for (i, rule) in rules.iter().enumerate() {
        check_step_name(&rule.step)?;
        if rule.quorum == Quorum::Count(0) {
            return Err(PolicyError::ZeroQuorum);
        }
        if rules[..i].iter().any(|r| r.step == rule.step) {
            return Err(PolicyError::Duplicate(rule.step.clone()));
        }
    }
    Ok(())
}

/// The steps a draft needs: every step of the channel's `policy`, in its order, at the
/// stricter of the policy's and the author's quorum; then the steps the author added, in the
/// order asked. Nothing the policy requires can be dropped or lowered.
pub fn steps_for_draft(
    policy: &[StepRule],
    requested: &[StepRule],
) -> Result<Vec<StepRule>, PolicyError> {
    check_rules(requested)?;
    let mut steps: Vec<StepRule> = policy.to_vec();
    for asked in requested {
        match steps.iter_mut().find(|s| s.step == asked.step) {
            Some(step) if asked.quorum.is_stricter_than(step.quorum) => step.quorum = asked.quorum,
            Some(_) => {}
            None => steps.push(asked.clone()),
        }
    }
    check_policy(&steps)?;
    Ok(steps)
}

/// The author's requests that ask for more than `policy`: steps it lacks, or a stricter
/// quorum on one it has. Only these are the author's own; a request the policy meets anyway
/// neither keeps a pre-approved reply in review nor follows a draft into the fast lane.
pub fn beyond_policy(policy: &[StepRule], requested: &[StepRule]) -> Vec<StepRule> {
    requested
        .iter()
        .filter(|r| match policy.iter().find(|p| p.step == r.step) {
            None => true,
            Some(p) => r.quorum.is_stricter_than(p.quorum),
        })
        .cloned()
        .collect()
}

/// Turns rules into a draft's required steps.
///
/// `holders(step)` lists the people who may take `step` on this draft (active deciders of
/// its team with that qualification and access to its channel); `excluded` are those who
/// may never approve it (its author, owner and editors). A `Count(n)` step needs `n` of the
/// rest, an `all` step names them all; either way, fewer than needed is
/// [`PolicyError::Unsatisfiable`].
pub fn resolve_steps(
    rules: &[StepRule],
    holders: impl Fn(&str) -> Vec<Person>,
    excluded: &[UserId],
    team_name: &str,
) -> Result<Vec<RequiredStep>, PolicyError> {
    rules
        .iter()
        .map(|rule| {
            let mut people = holders(&rule.step);
            people.retain(|p| !excluded.contains(&p.id));
            people.sort_by(|a, b| a.username.cmp(&b.username));
            people.dedup_by(|a, b| a.id == b.id);
            let (needed, enough) = match rule.quorum {
                Quorum::Count(n) => (
                    if n == 1 {
                        "1 approval".to_owned()
                    } else {
                        format!("{n} approvals from different people")
                    },
                    people.len() >= n as usize,
                ),
                Quorum::All => ("every holder".to_owned(), !people.is_empty()),
            };
            if !enough {
                return Err(PolicyError::Unsatisfiable {
                    step: rule.step.clone(),
                    needed,
                    available: people.len(),
                    team_name: team_name.to_owned(),
                });
            }
            Ok(RequiredStep {
                step: rule.step.clone(),
                quorum: rule.quorum,
                holders: if rule.quorum == Quorum::All {
                    people
                } else {
                    vec![]
                },
            })
        })
        .collect()
}

/// A channel: an account on a network, owned by a team, with its approval policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    /// Id.
    pub id: ChannelId,
    /// A unique short name administrators use, e.g. `care-x`.
    pub name: String,
    /// The network.
    pub network: Network,
    /// The account on it, e.g. `@HartwellHelp`.
    pub account: String,
    /// The team that owns it: its reviewers decide the channel's drafts.
    pub team: TeamId,
    /// The steps its drafts need, in order.
    pub policy: Vec<StepRule>,
}

/// What a channel's rules say right now, gathered by the server for one draft: its policy,
/// whether it is in crisis, and who could take its steps.
#[derive(Clone, Debug)]
pub struct ChannelRules {
    /// The channel.
    pub channel: Channel,
    /// Its team's name, for messages.
    pub team_name: String,
    /// True while crisis mode covers the channel.
    pub in_crisis: bool,
    /// Every active account that could decide the channel's drafts (the deciders of its team
    /// with access to it); `all` steps name those qualified.
    pub deciders: Vec<Actor>,
    /// What the channel does with the policy guard's verdict.
    pub routing: Routing,
}

/// What a channel does with the policy guard's verdict on a draft: risky drafts get more
/// review, clean routine ones less. Set by administrators with the channel's policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Routing {
    /// A step added to drafts with a `block` finding, e.g. `legal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_block: Option<StepRule>,
    /// The steps that replace the policy for drafts with no findings at all, e.g. one peer
    /// review instead of a senior one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_lane: Option<Vec<StepRule>>,
    /// A draft that is one of the organisation's pre-approved replies, its slots filled with
    /// short text that has no findings, goes out without review.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pre_approved_replies: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Routing {
    /// Checks the steps it names, as a policy's are checked.
    pub fn check(&self) -> Result<(), PolicyError> {
        if let Some(step) = &self.on_block {
            check_rules(std::slice::from_ref(step))?;
        }
        if let Some(lane) = &self.fast_lane {
            check_policy(lane)?;
        }
        Ok(())
    }

    /// True when `step` is there only because of routing, not because `policy` or the
    /// author asks for it: an edit routes afresh, so such steps must not be carried over as
    /// if the author had asked for them. `last` is the draft's latest route (its history's
    /// last `Routed` entry): only the step an escalation added is the escalation's, so a
    /// step the author asked for that routing could also add (`legal`) stays theirs. The
    /// fast lane is not recorded step by step, so its steps are the lane's as set now.
    pub fn added(&self, policy: &[StepRule], last: Option<&Route>, step: &str) -> bool {
        if policy.iter().any(|r| r.step == step) {
            return false;
        }
        match last {
            Some(Route::Escalated { step: added }) => added == step,
            Some(Route::FastLane) => self.fast_lane.iter().flatten().any(|r| r.step == step),
            Some(Route::PreApproved { .. }) | None => false,
        }
    }
}

/// What the policy guard said about a draft, as far as routing cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Risk {
    /// At least one `block` finding.
    Blocking,
    /// Findings, none blocking.
    Findings,
    /// No findings at all.
    Clean,
    /// No findings, and the text is a pre-approved reply with short, clean slot values.
    PreApproved {
        /// The reply's id.
        reply_id: String,
        /// Its name, for people.
        reply: String,
    },
}

/// How a draft was routed, recorded in its history so reviewers see why it needs what it
/// needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Route {
    /// No findings: the channel's fast lane applies.
    FastLane,
    /// A `block` finding: the channel adds a step.
    Escalated {
        /// The step added.
        step: String,
    },
    /// A pre-approved reply: no review.
    PreApproved {
        /// The reply's id.
        reply_id: String,
        /// Its name.
        reply: String,
    },
}

impl ChannelRules {
    /// The rules `draft` must meet given `risk`, and the route taken when it is not the
    /// channel's usual policy. Crisis mode turns routing off: in a crisis every draft takes
    /// the full policy (and a spokesperson). A pre-approved reply skips review only when its
    /// author asked for no steps of their own.
    pub fn route(&self, requested: &[StepRule], risk: &Risk) -> (Vec<StepRule>, Option<Route>) {
        let policy = self.channel.policy.clone();
        if self.in_crisis {
            return (policy, None);
        }
        let routing = &self.routing;
        match risk {
            Risk::PreApproved { reply_id, reply }
                if routing.pre_approved_replies && requested.is_empty() =>
            {
                let route = Route::PreApproved {
                    reply_id: reply_id.clone(),
                    reply: reply.clone(),
                };
                (vec![], Some(route))
            }
            Risk::Clean | Risk::PreApproved { .. } => match &routing.fast_lane {
                Some(lane) => (lane.clone(), Some(Route::FastLane)),
                None => (policy, None),
            },
            // Nothing to add when the policy or the author already asks for the step; the
            // route is recorded only for a step routing alone added.
            Risk::Blocking => match &routing.on_block {
                Some(step) if !policy.iter().chain(requested).any(|r| r.step == step.step) => {
                    let route = Route::Escalated {
                        step: step.step.clone(),
                    };
                    let mut steps = policy;
                    steps.push(step.clone());
                    (steps, Some(route))
                }
                _ => (policy, None),
            },
            Risk::Findings => (policy, None),
        }
    }

    /// The steps `draft` needs under the channel's policy and the `requested` ones (see
    /// [`steps_for_draft`]), resolved against the deciders, never counting the draft's
    /// writers. `draft` must already carry its team, channel, author and editors.
    pub fn steps(
        &self,
        draft: &Draft,
        requested: &[StepRule],
    ) -> Result<Vec<RequiredStep>, PolicyError> {
        self.steps_under(&self.channel.policy, draft, requested)
    }

    /// [`ChannelRules::steps`] under `policy` (the route's rules) instead of the channel's.
    /// An empty `policy` with nothing requested needs no steps (a pre-approved reply).
    pub fn steps_under(
        &self,
        policy: &[StepRule],
        draft: &Draft,
        requested: &[StepRule],
    ) -> Result<Vec<RequiredStep>, PolicyError> {
        if policy.is_empty() && requested.is_empty() {
            return Ok(vec![]);
        }
        let rules = steps_for_draft(policy, requested)?;
        let holders = |step: &str| {
            self.deciders
                .iter()
                .filter(|a| a.may_take_step(step) && a.decides_for(draft))
                .map(|a| a.person.clone())
                .collect()
        };
        resolve_steps(&rules, holders, &draft.writers(), &self.team_name)
    }

    /// The urgency a draft asking for `requested` gets: crisis while the channel is in
    /// crisis, whatever its author said.
    pub fn urgency(&self, requested: Urgency) -> Urgency {
        if self.in_crisis {
            Urgency::Crisis
        } else {
            requested
        }
    }
}

/// Which of their teams' channels someone may see and write for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "channels")]
pub enum ChannelAccess {
    /// Every channel their teams own (the usual case).
    #[default]
    AllOfTeams,
    /// Only these (an agency that serves some accounts and not others).
    Only(Vec<ChannelId>),
}

impl ChannelAccess {
    /// True when a draft on `channel` is within reach. A draft that names no channel (written
    /// before channels existed) is visible only without a channel limit.
    pub fn allows(&self, channel: Option<ChannelId>) -> bool {
        match (self, channel) {
            (ChannelAccess::AllOfTeams, _) => true,
            (ChannelAccess::Only(list), Some(c)) => list.contains(&c),
            (ChannelAccess::Only(_), None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn rules(text: &[&str]) -> Vec<StepRule> {
        text.iter().map(|t| StepRule::parse(t).unwrap()).collect()
    }

    #[test]
    fn a_step_request_reads_a_name_or_a_rule_and_writes_the_same() {
        for (text, expected) in [
            (r#""legal""#, StepRequest::Name("legal".into())),
            (
                r#"{"step":"legal","quorum":2}"#,
                StepRequest::Rule(StepRule {
                    step: "legal".into(),
                    quorum: Quorum::Count(2),
                }),
            ),
        ] {
            let read: StepRequest = serde_json::from_str(text).expect("a step request reads");
            assert_eq!(read, expected, "{text}");
            assert_eq!(serde_json::to_string(&read).expect("writes"), text);
        }
        for bad in ["5", "null", "[\"legal\"]", r#"{"quorum":2}"#] {
            assert!(
                serde_json::from_str::<StepRequest>(bad).is_err(),
                "{bad} is not a step request"
            );
        }
    }

    fn person(n: u128, name: &str) -> Person {
        Person {
            id: UserId(Uuid::from_u128(n)),
            username: name.into(),
            display_name: name.into(),
        }
    }

    fn routed(routing: Routing, in_crisis: bool) -> ChannelRules {
        ChannelRules {
            channel: Channel {
                id: ChannelId(Uuid::from_u128(9)),
                name: "care-x".into(),
                network: Network::X,
                account: "@care".into(),
                team: TeamId(Uuid::from_u128(8)),
                policy: rules(&["senior"]),
            },
            team_name: "Care".into(),
            in_crisis,
            deciders: vec![],
            routing,
        }
    }

    fn full_routing() -> Routing {
        Routing {
            on_block: Some(StepRule::one("legal")),
            fast_lane: Some(rules(&["peer"])),
            pre_approved_replies: true,
        }
    }

    fn names(steps: &[StepRule]) -> Vec<&str> {
        steps.iter().map(|s| s.step.as_str()).collect()
    }

    #[test]
    fn the_guards_verdict_picks_the_fast_lane_an_extra_step_or_no_review() {
        let r = routed(full_routing(), false);
        let reply = Risk::PreApproved {
            reply_id: "r1".into(),
            reply: "late-delivery".into(),
        };
        let (steps, route) = r.route(&[], &Risk::Clean);
        assert_eq!(
            (names(&steps), route),
            (vec!["peer"], Some(Route::FastLane))
        );
        let (steps, route) = r.route(&[], &Risk::Blocking);
        let escalated = Route::Escalated {
            step: "legal".into(),
        };
        assert_eq!(
            (names(&steps), route),
            (vec!["senior", "legal"], Some(escalated))
        );
        let (steps, route) = r.route(&rules(&["legal"]), &Risk::Blocking);
        assert_eq!(
            (names(&steps), route),
            (vec!["senior"], None),
            "the author asked for legal already: routing adds nothing (the request still applies)"
        );
        let (steps, route) = r.route(&[], &Risk::Findings);
        assert_eq!(
            (names(&steps), route),
            (vec!["senior"], None),
            "warnings: usual policy"
        );
        let (steps, route) = r.route(&[], &reply);
        assert!(steps.is_empty(), "a pre-approved reply needs no review");
        assert!(matches!(route, Some(Route::PreApproved { .. })));
        let (steps, route) = r.route(&rules(&["brand"]), &reply);
        assert_eq!(
            (names(&steps), route),
            (vec!["peer"], Some(Route::FastLane)),
            "an author who asked for a step gets review, on the fast lane"
        );
    }

    #[test]
    fn crisis_mode_and_a_channel_without_routing_keep_the_usual_policy() {
        for risk in [Risk::Clean, Risk::Blocking] {
            let (steps, route) = routed(full_routing(), true).route(&[], &risk);
            assert_eq!(
                (names(&steps), route),
                (vec!["senior"], None),
                "{risk:?} in crisis"
            );
            let (steps, route) = routed(Routing::default(), false).route(&[], &risk);
            assert_eq!(
                (names(&steps), route),
                (vec!["senior"], None),
                "{risk:?} unrouted"
            );
        }
        let no_lane = Routing {
            pre_approved_replies: true,
            ..Routing::default()
        };
        let reply = Risk::PreApproved {
            reply_id: "r1".into(),
            reply: "thanks".into(),
        };
        let (steps, _) = routed(no_lane, false).route(&[], &reply);
        assert!(steps.is_empty());
    }

    #[test]
    fn steps_added_by_routing_are_told_apart_from_the_policys_and_the_authors_own() {
        let routing = full_routing();
        let policy = rules(&["senior", "peer"]);
        let escalated = Route::Escalated {
            step: "legal".into(),
        };
        assert!(routing.added(&policy, Some(&escalated), "legal"));
        assert!(
            !routing.added(&policy, None, "legal"),
            "not escalated: the author asked for legal"
        );
        assert!(!routing.added(&policy, Some(&Route::FastLane), "legal"));
        assert!(routing.added(&rules(&["senior"]), Some(&Route::FastLane), "peer"));
        assert!(
            !routing.added(&policy, Some(&Route::FastLane), "peer"),
            "the policy asks for it too"
        );
        assert!(!routing.added(&policy, Some(&escalated), "senior"));
        assert!(!Routing::default().added(&policy, None, "legal"));
        assert!(routing.check().is_ok());
        let empty_lane = Routing {
            fast_lane: Some(vec![]),
            ..Routing::default()
        };
        assert!(empty_lane.check().is_err(), "a fast lane needs a step");
    }

    #[test]
    fn step_rules_parse_and_print_the_cli_syntax() {
        for (text, step, quorum, printed) in [
            ("review", "review", Quorum::Count(1), "review"),
            ("legal:2", "legal", Quorum::Count(2), "legal:2"),
            (" legal:ALL ", "legal", Quorum::All, "legal:all"),
            ("legal:1", "legal", Quorum::Count(1), "legal"),
        ] {
            let rule = StepRule::parse(text).unwrap();
            assert_eq!((rule.step.as_str(), rule.quorum), (step, quorum), "{text}");
            assert_eq!(rule.to_string(), printed);
        }
        for bad in ["", "legal:0", "legal:some", "two words", "legal:-1", ":2"] {
            assert!(StepRule::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn quorums_travel_as_numbers_or_all() {
        let json = serde_json::to_string(&rules(&["review", "legal:all", "brand:3"])).unwrap();
        assert_eq!(
            json,
            r#"[{"step":"review","quorum":1},{"step":"legal","quorum":"all"},{"step":"brand","quorum":3}]"#
        );
        let back: Vec<StepRule> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rules(&["review", "legal:all", "brand:3"]));
        let default: StepRule = serde_json::from_str(r#"{"step":"review"}"#).unwrap();
        assert_eq!(default.quorum, Quorum::Count(1));
        for bad in [
            r#"{"step":"x","quorum":0}"#,
            r#"{"step":"x","quorum":"most"}"#,
        ] {
            assert!(serde_json::from_str::<StepRule>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_author_adds_steps_and_raises_quorums_but_never_lowers_or_drops_them() {
        let policy = rules(&["review", "legal:2"]);
        // (asked for, what the draft gets)
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &["review", "legal:2"]),
            (&["review"], &["review", "legal:2"]),
            (&["legal"], &["review", "legal:2"]),
            (&["legal:3"], &["review", "legal:3"]),
            (&["review:all"], &["review:all", "legal:2"]),
            (&["brand", "review"], &["review", "legal:2", "brand"]),
        ];
        for (asked, expected) in cases {
            let steps = steps_for_draft(&policy, &rules(asked)).unwrap();
            assert_eq!(steps, rules(expected), "asked for {asked:?}");
        }
        let all = rules(&["legal:all"]);
        assert_eq!(
            steps_for_draft(&all, &rules(&["legal:5"])).unwrap(),
            all,
            "a count never replaces all"
        );
        assert_eq!(
            steps_for_draft(&policy, &rules(&["brand", "brand"])),
            Err(PolicyError::Duplicate("brand".into()))
        );
    }

    #[test]
    fn a_policy_needs_a_step_and_names_each_once() {
        assert_eq!(check_policy(&[]), Err(PolicyError::Empty));
        assert_eq!(
            check_policy(&rules(&["review", "review:2"])),
            Err(PolicyError::Duplicate("review".into()))
        );
        assert!(check_policy(&rules(&["review", "legal:all"])).is_ok());
    }

    #[test]
    fn resolving_names_the_people_of_an_all_step_and_refuses_too_few() {
        let (ann, bob, cy) = (person(1, "ann"), person(2, "bob"), person(3, "cy"));
        let holders = |step: &str| match step {
            "review" => vec![ann.clone(), bob.clone()],
            "legal" => vec![bob.clone(), cy.clone()],
            _ => vec![],
        };
        let steps =
            resolve_steps(&rules(&["review:2", "legal:all"]), holders, &[], "Care").unwrap();
        assert_eq!(steps[0].holders, vec![], "a count names nobody");
        assert_eq!(steps[1].holders, vec![bob.clone(), cy.clone()]);

        let without_bob =
            resolve_steps(&rules(&["legal:all"]), holders, &[bob.id], "Care").expect("cy remains");
        assert_eq!(
            without_bob[0].holders,
            vec![cy.clone()],
            "the author is never awaited"
        );
        let refused = resolve_steps(&rules(&["review:2"]), holders, &[ann.id], "Care");
        assert!(
            matches!(&refused, Err(PolicyError::Unsatisfiable { step, available: 1, .. }) if step == "review"),
            "{refused:?}"
        );
        assert!(resolve_steps(&rules(&["brand"]), holders, &[], "Care").is_err());
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("Care has 1 qualified"), "{message}");
    }

    #[test]
    fn channel_access_limits_to_the_listed_channels() {
        let (a, b) = (ChannelId(Uuid::from_u128(1)), ChannelId(Uuid::from_u128(2)));
        assert!(ChannelAccess::AllOfTeams.allows(Some(a)));
        assert!(ChannelAccess::AllOfTeams.allows(None));
        let only_a = ChannelAccess::Only(vec![a]);
        assert!(only_a.allows(Some(a)));
        assert!(!only_a.allows(Some(b)));
        assert!(!only_a.allows(None));
    }
}
