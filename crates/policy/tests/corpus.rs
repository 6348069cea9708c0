//! The labelled corpus: realistic Hartwell & Lane drafts, each labelled by hand with the
//! categories it breaks (from the shared labelling conventions, not from the detectors),
//! scored against the built-in pack layered with the corpus's organisation pack.
//!
//! `cargo test -p countersign-policy --test corpus -- --nocapture` prints, per category,
//! true and false positives, misses, precision and recall; the micro-averaged totals; the
//! false-positive rate on clean drafts; then every miss and false positive with its
//! findings. With `CORPUS_SCORES_JSON=<file>` set, the scores and every draft's flagged
//! categories are also written there as JSON (scripts/presidio-compare reads it).
//!
//! The held-out set in `tests/corpus/holdout/` was written after the detectors were tuned,
//! by someone who had read neither the detectors nor the tuning drafts. Its test prints the
//! same table under "held-out set (never tuned on)" (and, with `CORPUS_SCORES_JSON`, writes
//! it next to that file with a `-holdout` suffix) but asserts only that the set is well
//! formed: those figures are for reporting honestly, not targets to tune towards.
//!
//! The second held-out set in `tests/corpus/holdout2/` was written later still, by someone
//! who had read neither the detectors, the tuning drafts nor the first held-out set, while
//! the detectors were still being changed: it is where the final figures come from. Its
//! test prints the table under "second held-out set (never tuned on)" (and writes a
//! `-holdout2` JSON file beside `CORPUS_SCORES_JSON`), asserting only that it is well formed
//! and shares no id with the other two sets.
//!
//! A draft counts as flagged for a category when the guard reports at least one finding of
//! that category with severity warn or block; info findings change nothing for a reviewer,
//! so they do not count.

use countersign_core::{Media, Network};
use countersign_policy::{Category, CrisisContext, Finding, Guard, Pack, Severity, Subject};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The issue's targets.
const MIN_RECALL: f64 = 0.95;
const MAX_CLEAN_FPR: f64 = 0.05;

/// What the corpus must hold to measure anything: enough drafts, enough of each category.
const MIN_DRAFTS: usize = 200;
const MIN_PER_CATEGORY: usize = 15;
const MIN_CRISIS_AND_NETWORK: usize = 12;
/// The held-out set is smaller: it only has to be big enough for the figures to mean
/// something, and it must never be grown by copying tuning drafts.
const MIN_HOLDOUT_DRAFTS: usize = 80;
const MIN_HOLDOUT_PER_CATEGORY: usize = 8;
/// The second held-out set: where the final figures come from, so a little bigger per
/// category than the first.
const MIN_HOLDOUT2_DRAFTS: usize = 100;
const MIN_HOLDOUT2_PER_CATEGORY: usize = 9;

/// About 45% clean: enough clean drafts that a noisy guard shows, enough risky ones that
/// recall means something.
const CLEAN_SHARE: std::ops::RangeInclusive<f64> = 0.40..=0.52;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    #[serde(default)]
    draft: Vec<Draft>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Draft {
    id: String,
    network: Network,
    body: String,
    labels: Vec<String>,
    note: String,
    #[serde(default)]
    media: Vec<Media>,
    #[serde(default)]
    crisis: bool,
    #[serde(default)]
    author_is_spokesperson: Option<bool>,
    #[serde(default)]
    channel: Option<String>,
    /// Which file it came from, for messages.
    #[serde(skip)]
    file: String,
}

impl Draft {
    fn subject(&self) -> Subject<'_> {
        Subject {
            body: &self.body,
            network: self.network,
            media: &self.media,
            channel: self.channel.as_deref(),
            // The corpus's crisis drafts are on channels crisis mode covers.
            crisis: self.crisis.then(|| CrisisContext {
                author_is_spokesperson: self.author_is_spokesperson.unwrap_or(false),
                crisis_mode: true,
            }),
        }
    }

    fn labels(&self) -> BTreeSet<Category> {
        self.labels
            .iter()
            .filter_map(|l| Category::parse(l))
            .collect()
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The held-out drafts live in a sub-folder, which `drafts_in` (not recursive) never enters
/// when it reads the tuning corpus.
fn holdout_dir() -> PathBuf {
    corpus_dir().join("holdout")
}

/// The second held-out set, also out of `drafts_in`'s reach.
fn holdout2_dir() -> PathBuf {
    corpus_dir().join("holdout2")
}

/// The tuning corpus: every draft of every `*.toml` directly in the corpus folder but the
/// pack.
fn drafts() -> Vec<Draft> {
    drafts_in(&corpus_dir())
}

/// The held-out set.
fn holdout_drafts() -> Vec<Draft> {
    drafts_in(&holdout_dir())
}

/// The second held-out set.
fn holdout2_drafts() -> Vec<Draft> {
    drafts_in(&holdout2_dir())
}

/// Every draft of every `*.toml` file directly in `dir` but the pack, files in name order.
fn drafts_in(dir: &Path) -> Vec<Draft> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != "pack.toml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let file: CorpusFile =
            toml::from_str(&source).unwrap_or_else(|e| panic!("{name} is not a corpus file: {e}"));
        all.extend(file.draft.into_iter().map(|d| Draft {
            file: name.clone(),
            ..d
        }));
    }
    all
}

fn guard() -> Guard {
    let path = corpus_dir().join("pack.toml");
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let org = Pack::from_toml(&source).unwrap_or_else(|e| panic!("pack.toml: {e}"));
    let pack = Pack::builtin()
        .layered(&org)
        .unwrap_or_else(|e| panic!("layering pack.toml: {e}"));
    Guard::new(pack).unwrap_or_else(|e| panic!("compiling the corpus pack: {e}"))
}

/// How many risky drafts each category has, and how many drafts are clean.
struct Shape {
    counts: BTreeMap<Category, usize>,
    clean: usize,
}

impl Shape {
    fn count(&self, c: Category) -> usize {
        self.counts.get(&c).copied().unwrap_or(0)
    }
}

/// Checks what every draft of a set must satisfy (unique slug ids, a body and a note, known
/// and unrepeated labels, the crisis context exactly on crisis drafts) and counts them.
fn check_well_formed(drafts: &[Draft]) -> Shape {
    let mut ids = BTreeSet::new();
    let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
    let mut clean = 0;
    for d in drafts {
        let at = format!("{} in {}", d.id, d.file);
        assert!(ids.insert(d.id.as_str()), "{at}: the id is used twice");
        assert!(
            !d.id.is_empty()
                && d.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{at}: ids are slugs (a-z, 0-9, -)"
        );
        assert!(
            !d.body.trim().is_empty(),
            "{at}: an empty body measures nothing"
        );
        assert!(
            !d.note.trim().is_empty(),
            "{at}: every draft says why it is labelled as it is"
        );
        for label in &d.labels {
            assert!(
                Category::parse(label).is_some(),
                "{at}: unknown label {label:?}"
            );
        }
        assert_eq!(
            d.labels().len(),
            d.labels.len(),
            "{at}: a label is repeated"
        );
        assert_eq!(
            d.crisis,
            d.author_is_spokesperson.is_some(),
            "{at}: author_is_spokesperson is set exactly on crisis drafts (it is the crisis context)"
        );
        if d.labels().contains(&Category::Crisis) {
            assert!(
                d.crisis,
                "{at}: only a draft on a channel in crisis mode can break the crisis rules"
            );
        }
        if d.labels.is_empty() {
            clean += 1;
        }
        for c in d.labels() {
            *counts.entry(c).or_default() += 1;
        }
    }
    Shape { counts, clean }
}

#[test]
fn the_corpus_is_well_formed_and_big_enough_to_measure() {
    let drafts = drafts();
    assert!(
        drafts.len() >= MIN_DRAFTS,
        "the corpus has {} drafts; scores on fewer than {MIN_DRAFTS} say little",
        drafts.len()
    );
    let Shape { counts, clean } = check_well_formed(&drafts);
    for c in Category::ALL {
        let min = match c {
            Category::Crisis | Category::Network => MIN_CRISIS_AND_NETWORK,
            _ => MIN_PER_CATEGORY,
        };
        let n = counts.get(&c).copied().unwrap_or(0);
        assert!(
            n >= min,
            "{} has {n} risky drafts; at least {min} are needed",
            c.as_str()
        );
    }
    let share = clean as f64 / drafts.len() as f64;
    assert!(
        CLEAN_SHARE.contains(&share),
        "{clean} of {} drafts are clean ({:.0}%); about 45% should be",
        drafts.len(),
        share * 100.0
    );
}

/// One category's counts.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
    /// Precision; 1.0 when nothing was flagged (no false alarms were raised).
    fn precision(self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Recall; 1.0 when there was nothing to find.
    fn recall(self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 1.0 } else { n as f64 / d as f64 }
}

/// The categories a reviewer is told about: those with a warn or block finding.
fn flagged(findings: &[Finding]) -> BTreeSet<Category> {
    findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
        .map(|f| f.category)
        .collect()
}

struct Scored<'a> {
    draft: &'a Draft,
    findings: Vec<Finding>,
    flagged: BTreeSet<Category>,
}

struct Scores<'a> {
    drafts: Vec<Scored<'a>>,
    per_category: BTreeMap<Category, Tally>,
    total: Tally,
    clean: usize,
    clean_flagged: usize,
}

impl Scores<'_> {
    fn clean_fpr(&self) -> f64 {
        if self.clean == 0 {
            0.0
        } else {
            self.clean_flagged as f64 / self.clean as f64
        }
    }
}

fn score<'a>(guard: &Guard, drafts: &'a [Draft]) -> Scores<'a> {
    let mut per_category: BTreeMap<Category, Tally> = Category::ALL
        .iter()
        .map(|&c| (c, Tally::default()))
        .collect();
    let mut scored = Vec::new();
    let (mut clean, mut clean_flagged) = (0, 0);
    for draft in drafts {
        let findings = guard.review(&draft.subject());
        let flagged = flagged(&findings);
        let labels = draft.labels();
        for (c, tally) in per_category.iter_mut() {
            match (labels.contains(c), flagged.contains(c)) {
                (true, true) => tally.tp += 1,
                (false, true) => tally.fp += 1,
                (true, false) => tally.fn_ += 1,
                (false, false) => {}
            }
        }
        if labels.is_empty() {
            clean += 1;
            if !flagged.is_empty() {
                clean_flagged += 1;
            }
        }
        scored.push(Scored {
            draft,
            findings,
            flagged,
        });
    }
    let mut total = Tally::default();
    for t in per_category.values() {
        total.add(*t);
    }
    Scores {
        drafts: scored,
        per_category,
        total,
        clean,
        clean_flagged,
    }
}

fn names(categories: &BTreeSet<Category>) -> String {
    if categories.is_empty() {
        return "clean".to_owned();
    }
    categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table, then every miss and false positive with what the guard said.
fn report(scores: &Scores<'_>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<14} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "category", "TP", "FP", "FN", "precision", "recall"
    );
    let mut line = |name: &str, t: Tally| {
        let _ = writeln!(
            out,
            "{name:<14} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            t.tp,
            t.fp,
            t.fn_,
            t.precision(),
            t.recall()
        );
    };
    for (c, t) in &scores.per_category {
        line(c.as_str(), *t);
    }
    line("micro-average", scores.total);
    let _ = writeln!(
        out,
        "clean drafts flagged: {} of {} (false-positive rate {:.3})\n",
        scores.clean_flagged,
        scores.clean,
        scores.clean_fpr()
    );
    for s in &scores.drafts {
        let labels = s.draft.labels();
        let missed: BTreeSet<Category> = labels.difference(&s.flagged).copied().collect();
        let extra: BTreeSet<Category> = s.flagged.difference(&labels).copied().collect();
        if missed.is_empty() && extra.is_empty() {
            continue;
        }
        let mut what = Vec::new();
        if !missed.is_empty() {
            what.push(format!("MISSED {}", names(&missed)));
        }
        if !extra.is_empty() {
            what.push(format!("FALSE POSITIVE {}", names(&extra)));
        }
        let _ = writeln!(
            out,
            "{} [{}; labelled {}]: {}",
            s.draft.id,
            s.draft.network.as_str(),
            names(&labels),
            what.join("; ")
        );
        if s.findings.is_empty() {
            let _ = writeln!(out, "    (no findings)");
        }
        for f in &s.findings {
            let _ = writeln!(
                out,
                "    {} {} {:?}: {}",
                f.severity.as_str(),
                f.rule,
                f.span.map(|sp| (sp.start, sp.end)),
                f.message
            );
        }
    }
    out
}

fn json(scores: &Scores<'_>) -> serde_json::Value {
    let tally = |t: Tally| {
        serde_json::json!({
            "tp": t.tp, "fp": t.fp, "fn": t.fn_,
            "precision": t.precision(), "recall": t.recall(),
        })
    };
    let categories: serde_json::Map<String, serde_json::Value> = scores
        .per_category
        .iter()
        .map(|(c, t)| (c.as_str().to_owned(), tally(*t)))
        .collect();
    let drafts: Vec<serde_json::Value> = scores
        .drafts
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.draft.id,
                "labels": s.draft.labels,
                "flagged": s.flagged.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "categories": categories,
        "micro": tally(scores.total),
        "clean": scores.clean,
        "clean_flagged": scores.clean_flagged,
        "clean_fpr": scores.clean_fpr(),
        "drafts": drafts,
    })
}

#[test]
fn the_guard_meets_the_issues_targets_on_the_labelled_corpus() {
    let drafts = drafts();
    let scores = score(&guard(), &drafts);
    // The table is what this test is for: people run it with --nocapture to see it.
    #[allow(clippy::print_stdout)]
    {
        print!("{}", report(&scores));
    }
    if let Some(path) = std::env::var_os("CORPUS_SCORES_JSON") {
        write_json(&scores, Path::new(&path));
    }
    let recall = scores.total.recall();
    assert!(
        recall >= MIN_RECALL,
        "overall recall is {recall:.3}; the issue's target is {MIN_RECALL} (misses listed above)"
    );
    let fpr = scores.clean_fpr();
    assert!(
        fpr <= MAX_CLEAN_FPR,
        "{} of {} clean drafts were flagged ({fpr:.3}); the issue's target is at most {MAX_CLEAN_FPR}",
        scores.clean_flagged,
        scores.clean
    );
}

fn write_json(scores: &Scores<'_>, path: &Path) {
    let text = serde_json::to_string_pretty(&json(scores)).unwrap_or_default();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Where the held-out scores go: next to `CORPUS_SCORES_JSON`, with `-holdout` before the
/// extension, so the tuning corpus's file (which scripts/presidio-compare reads) is left as
/// it is.
fn holdout_json_path(corpus_json: &Path) -> PathBuf {
    suffixed_json_path(corpus_json, "-holdout")
}

/// `corpus_json` with `suffix` before its extension (each held-out set gets its own file).
fn suffixed_json_path(corpus_json: &Path, suffix: &str) -> PathBuf {
    let stem = corpus_json
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match corpus_json.extension() {
        Some(ext) => format!("{stem}{suffix}.{}", ext.to_string_lossy()),
        None => format!("{stem}{suffix}"),
    };
    corpus_json.with_file_name(name)
}

#[test]
fn the_holdout_json_file_sits_next_to_the_corpus_one() {
    assert_eq!(
        holdout_json_path(Path::new("/tmp/scores.json")),
        Path::new("/tmp/scores-holdout.json"),
        "the suffix goes before the extension so the file is still .json"
    );
    assert_eq!(
        holdout_json_path(Path::new("scores")),
        Path::new("scores-holdout"),
        "a name without an extension just gains the suffix"
    );
}

#[test]
fn the_holdout_set_is_kept_apart_from_the_tuning_corpus() {
    let tuning: BTreeSet<String> = drafts().into_iter().map(|d| d.id).collect();
    let holdout = holdout_drafts();
    assert!(
        !holdout.is_empty(),
        "the held-out set loads from {}",
        holdout_dir().display()
    );
    for d in &holdout {
        assert!(
            !tuning.contains(&d.id),
            "{} in holdout/{} is also in the tuning corpus; a draft cannot be both tuned on and held out",
            d.id,
            d.file
        );
    }
}

/// Scores the held-out set and prints them; asserts only that the set is well formed and
/// big enough to measure. The figures are what the guard does on drafts it was never tuned
/// on, so they are reported, never turned into targets (a target here would invite tuning
/// on these drafts too, and the set would stop being held out).
#[test]
fn the_holdout_set_is_well_formed_and_its_scores_are_reported() {
    let drafts = holdout_drafts();
    assert!(
        drafts.len() >= MIN_HOLDOUT_DRAFTS,
        "the held-out set has {} drafts; at least {MIN_HOLDOUT_DRAFTS} are needed",
        drafts.len()
    );
    let shape = check_well_formed(&drafts);
    for c in Category::ALL {
        let n = shape.count(c);
        assert!(
            n >= MIN_HOLDOUT_PER_CATEGORY,
            "the held-out set has {n} {} drafts; at least {MIN_HOLDOUT_PER_CATEGORY} are needed",
            c.as_str()
        );
    }
    assert!(
        shape.clean > 0 && shape.clean < drafts.len(),
        "the held-out set needs both clean and risky drafts to measure precision and recall"
    );
    let scores = score(&guard(), &drafts);
    #[allow(clippy::print_stdout)]
    {
        println!("\nheld-out set (never tuned on): {} drafts", drafts.len());
        print!("{}", report(&scores));
    }
    if let Some(path) = std::env::var_os("CORPUS_SCORES_JSON") {
        write_json(&scores, &holdout_json_path(Path::new(&path)));
    }
}

/// Scores the second held-out set and prints them under their own heading; like the first
/// held-out test it asserts only that the set is well formed, big enough to measure, and
/// apart from the other sets (an id shared with the tuning corpus or the first held-out set
/// would mean a draft was copied, and the set would no longer be unseen).
#[test]
fn the_second_holdout_set_is_well_formed_apart_from_the_others_and_its_scores_are_reported() {
    let others: BTreeMap<String, &str> = drafts()
        .into_iter()
        .map(|d| (d.id, "the tuning corpus"))
        .chain(
            holdout_drafts()
                .into_iter()
                .map(|d| (d.id, "the first held-out set")),
        )
        .collect();
    let drafts = holdout2_drafts();
    assert!(
        drafts.len() >= MIN_HOLDOUT2_DRAFTS,
        "the second held-out set has {} drafts; at least {MIN_HOLDOUT2_DRAFTS} are needed",
        drafts.len()
    );
    let shape = check_well_formed(&drafts);
    for c in Category::ALL {
        let n = shape.count(c);
        assert!(
            n >= MIN_HOLDOUT2_PER_CATEGORY,
            "the second held-out set has {n} {} drafts; at least {MIN_HOLDOUT2_PER_CATEGORY} are needed",
            c.as_str()
        );
    }
    assert!(
        shape.clean > 0 && shape.clean < drafts.len(),
        "the second held-out set needs both clean and risky drafts to measure precision and recall"
    );
    for d in &drafts {
        if let Some(set) = others.get(&d.id) {
            panic!(
                "{} in holdout2/{} is also in {set}; ids are unique across all three sets",
                d.id, d.file
            );
        }
    }
    let scores = score(&guard(), &drafts);
    #[allow(clippy::print_stdout)]
    {
        println!(
            "\nsecond held-out set (never tuned on): {} drafts",
            drafts.len()
        );
        print!("{}", report(&scores));
    }
    if let Some(path) = std::env::var_os("CORPUS_SCORES_JSON") {
        write_json(&scores, &suffixed_json_path(Path::new(&path), "-holdout2"));
    }
}

#[test]
fn the_second_holdout_json_file_has_its_own_suffix() {
    assert_eq!(
        suffixed_json_path(Path::new("/tmp/scores.json"), "-holdout2"),
        Path::new("/tmp/scores-holdout2.json"),
        "the second held-out set must not overwrite the first one's file"
    );
}
