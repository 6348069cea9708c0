//! A pack compiled once, asked about many drafts.

use crate::detect::{self, Detect, Hit, Input};
use crate::pack::{Pack, PackError, Rule};
use crate::subject::Subject;
use crate::text::Text;
use countersign_core::finding::Finding;
use std::cmp::Reverse;

/// A policy pack with its detectors built: cheap to ask, costly to make, so make it once
/// per pack and keep it.
#[derive(Debug)]
pub struct Guard {
    pack: Pack,
    rules: Vec<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    /// The rule with the pack's own overrides applied; channel overrides apply per draft.
    rule: Rule,
    detector: Box<dyn Detect>,
}

impl Guard {
    /// Builds the detectors of every rule of `pack` (on or off: a channel may turn a rule
    /// on that the pack has off).
    pub fn new(pack: Pack) -> Result<Guard, PackError> {
        pack.check()?;
        let rules = pack
            .rules_for(None)
            .into_iter()
            .map(|rule| {
                let detector =
                    detect::compile(&rule.detector, &pack.organisation).map_err(|problem| {
                        PackError::BadRule {
                            rule: rule.id.clone(),
                            problem,
                        }
                    })?;
                Ok(Compiled { rule, detector })
            })
            .collect::<Result<_, PackError>>()?;
        Ok(Guard { pack, rules })
    }

    /// The guard of the built-in pack.
    pub fn builtin() -> Guard {
        // The built-in pack is tested to compile.
        #[allow(clippy::expect_used)]
        Guard::new(Pack::builtin()).expect("the built-in policy pack compiles")
    }

    /// The pack it was built from.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// Every finding for `subject`, most serious first, then in text order.
    pub fn review(&self, subject: &Subject<'_>) -> Vec<Finding> {
        let text = Text::new(subject.body);
        let input = Input {
            text: &text,
            subject,
        };
        let channel = subject.channel.and_then(|c| self.pack.channels.get(c));
        let mut findings = Vec::new();
        let mut hits = Vec::new();
        for compiled in &self.rules {
            let mut rule_severity = compiled.rule.severity;
            let mut enabled = compiled.rule.enabled;
            if let Some(o) = channel.and_then(|c| c.rules.get(&compiled.rule.id)) {
                rule_severity = o.severity.unwrap_or(rule_severity);
                enabled = o.enabled.unwrap_or(enabled);
            }
            let networks = &compiled.rule.networks;
            if !enabled || (!networks.is_empty() && !networks.contains(&subject.network)) {
                continue;
            }
            hits.clear();
            compiled.detector.find(&input, &mut hits);
            findings.extend(hits.drain(..).map(|Hit { range, message }| Finding {
                rule: compiled.rule.id.clone(),
                category: compiled.rule.category,
                severity: rule_severity,
                span: range.map(|r| text.span(r.start, r.end)),
                message: message.unwrap_or_else(|| compiled.rule.message.clone()),
                reason: compiled.rule.reason.clone(),
            }));
        }
        findings.sort_by_key(|f| (Reverse(f.severity), f.span.map(|s| s.start), f.rule.clone()));
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::Network;
    use countersign_core::finding::Severity;

    #[test]
    fn the_builtin_pack_compiles() {
        let guard = Guard::builtin();
        assert_eq!(guard.pack().rules.len(), guard.rules.len());
    }

    #[test]
    fn a_routine_reply_has_no_findings() {
        let guard = Guard::builtin();
        let body = "Hi Gary, sorry for the wait. Your kettle left us this morning and should be \
                    with you by Thursday. DM us if it doesn't turn up. ^Sam";
        assert_eq!(guard.review(&Subject::text(body, Network::X)), []);
    }

    #[test]
    fn a_channel_override_changes_a_rules_severity_on_that_channel_only() {
        let org = Pack::from_toml(
            r#"
            format = 1
            name = "Org"
            [organisation]
            code_names = ["Project Juniper"]
            [channels.brand-x.rules."confidential.code_name"]
            severity = "warn"
            "#,
        )
        .and_then(|org| Pack::builtin().layered(&org))
        .unwrap_or_else(|e| panic!("{e}"));
        let guard = Guard::new(org).unwrap_or_else(|e| panic!("{e}"));
        let body = "Project Juniper lands soon";
        let severity = |channel| {
            let subject = Subject {
                channel,
                ..Subject::text(body, Network::X)
            };
            guard
                .review(&subject)
                .iter()
                .find(|f| f.rule == "confidential.code_name")
                .map(|f| (f.severity, f.span))
        };
        let span = Some(countersign_core::finding::Span { start: 0, end: 15 });
        assert_eq!(severity(None), Some((Severity::Block, span)));
        assert_eq!(severity(Some("brand-x")), Some((Severity::Warn, span)));
    }
}
