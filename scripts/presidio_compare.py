"""Presidio against the labelled corpus, personal data only, next to Countersign's figures.

A draft counts as personal-data flagged by Presidio when Presidio reports, with a score of
at least --threshold (default 0.4, the score its UK phone pattern gets without context):

* strict entities: EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, UK_NHS,
  US_BANK_NUMBER, and DATE_TIME only as a date of birth (within 25 characters after
  "born", "date of birth", "DOB" or "birthday");
* with places: the strict ones plus LOCATION, since the convention counts home addresses
  and Presidio has no address entity (spaCy's GPE/LOC become LOCATION; a street address
  it may call ORGANIZATION or nothing);
* with names and places: the strict ones plus PERSON and LOCATION.

Run by scripts/presidio-compare; Countersign's side is the corpus test's JSON.
"""

import argparse
import json
import pathlib
import re
import sys
import tomllib

STRICT = {
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "UK_NHS",
    "US_BANK_NUMBER",
}
NAMES_AND_PLACES = {"PERSON", "LOCATION"}
DOB_CUE = re.compile(r"(born|date of birth|d\.?o\.?b\.?|birthday)\W{0,3}.{0,25}$", re.I)


def drafts(folder):
    out = []
    for path in sorted(pathlib.Path(folder).glob("*.toml")):
        if path.name == "pack.toml":
            continue
        with open(path, "rb") as f:
            out.extend(tomllib.load(f).get("draft", []))
    return out


def analyzer(model):
    # Presidio's e-mail recognizer asks tldextract, which fetches the public suffix list
    # from the network unless told to use the snapshot it ships with.
    import tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider, SpacyNlpEngine

    if model:
        config = {
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model}],
        }
        engine = NlpEngineProvider(nlp_configuration=config).create_engine()
        nlp = f"spaCy {model}"
    else:
        import spacy

        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
        engine.nlp = {"en": spacy.blank("en")}
        nlp = "no spaCy model installable: pattern recognizers only (blank pipeline)"
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"]), nlp


def flagged(results, text, threshold, entities):
    hits = []
    for r in results:
        if r.score < threshold:
            continue
        if r.entity_type in entities:
            hits.append(r)
        elif r.entity_type == "DATE_TIME" and DOB_CUE.search(text[max(0, r.start - 40) : r.start]):
            hits.append(r)
    return hits


def tally(pairs):
    tp = sum(1 for truth, pred in pairs if truth and pred)
    fp = sum(1 for truth, pred in pairs if not truth and pred)
    fn = sum(1 for truth, pred in pairs if truth and not pred)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return tp, fp, fn, p, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--countersign", help="the corpus test's CORPUS_SCORES_JSON output")
    ap.add_argument("--model", default="")
    ap.add_argument("--threshold", type=float, default=0.4)
    ap.add_argument("--misses", action="store_true", help="list Presidio's misses and false positives")
    args = ap.parse_args()

    corpus = drafts(args.corpus)
    engine, nlp = analyzer(args.model)
    truth = {d["id"]: "personal_data" in d["labels"] for d in corpus}
    clean = {d["id"] for d in corpus if not d["labels"]}

    # One analysis per draft; the two configurations only filter it differently.
    analysed = {d["id"]: engine.analyze(d["body"], language="en") for d in corpus}
    rows = []
    details = {}
    for name, entities in (
        ("Presidio, strict entities", STRICT),
        ("Presidio, + LOCATION", STRICT | {"LOCATION"}),
        ("Presidio, + PERSON/LOCATION", STRICT | NAMES_AND_PLACES),
    ):
        pred = {}
        for d in corpus:
            hits = flagged(analysed[d["id"]], d["body"], args.threshold, entities)
            pred[d["id"]] = bool(hits)
            details.setdefault(name, {})[d["id"]] = [
                f"{h.entity_type} {h.score:.2f} {d['body'][h.start:h.end]!r}" for h in hits
            ]
        fpr = sum(1 for i in clean if pred[i]) / len(clean)
        rows.append((name, *tally([(truth[i], pred[i]) for i in truth]), fpr))

    countersign = None
    if args.countersign:
        try:
            with open(args.countersign) as f:
                scores = json.load(f)
            pred = {d["id"]: "personal_data" in d["flagged"] for d in scores["drafts"]}
            fpr = sum(1 for i in clean if pred.get(i)) / len(clean)
            countersign = ("Countersign", *tally([(truth[i], pred.get(i, False)) for i in truth]), fpr)
        except (OSError, ValueError, KeyError) as e:
            print(f"(no Countersign figures: the corpus test wrote no scores: {e})", file=sys.stderr)

    print(f"\npersonal_data on {len(corpus)} drafts ({sum(truth.values())} labelled personal_data, "
          f"{len(clean)} clean); Presidio threshold {args.threshold}, NLP: {nlp}")
    print(f"{'tool':<30} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} {'clean FPR':>9}")
    for name, tp, fp, fn, p, r, fpr in ([countersign] if countersign else []) + rows:
        print(f"{name:<30} {tp:>4} {fp:>4} {fn:>4} {p:>9.3f} {r:>7.3f} {fpr:>9.3f}")
    print("clean FPR: clean drafts flagged for personal data / clean drafts")

    if args.misses:
        for name, per in details.items():
            print(f"\n{name}:")
            for d in corpus:
                got, want = bool(per[d["id"]]), truth[d["id"]]
                if got != want:
                    kind = "MISSED" if want else "FALSE POSITIVE"
                    print(f"  {kind} {d['id']}: {'; '.join(per[d['id']]) or '(nothing)'}")


if __name__ == "__main__":
    main()
