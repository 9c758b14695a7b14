#!/usr/bin/env python3
"""Cuts the real data into small seed inputs for the fuzz targets (stdlib only).

    fuzz/seeds.py OUT_DIR [SHARED_CORPUS_DIR]

Writes OUT_DIR/<target>/<name> for the raw-input targets, from the bundled corpus (corpus/)
and, when present, the shared FRUS volumes (../shared/corpus/frus/, public domain):

- frus_tei: FRUS documents, each wrapped in a one-document volume with its volume's id and
  title and the persons it refers to; up to 40 a volume, chosen to cover the elements the
  importer reads (attachments, tables, lists, footnotes, signatures, enclosed documents…).
- wcda_page, wcda_json, csv, jsonl: the bundled WCDA files, cut into one record each where the
  format allows, long texts shortened.
- detect: the seeds above behind a file-name line.
- date, archival_ref: datelines, `@when` values and source notes of the FRUS documents, and
  the dates and references of the WCDA files.

These are raw seeds; `fuzz/fuzz.sh minimize` keeps the ones that add coverage and writes
fuzz/corpus/<target>/, which is what is committed.
"""

import csv
import hashlib
import io
import json
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_DOC = 6000  # bytes of one FRUS document kept as a seed
PER_VOLUME = 40

FEATURES = [
    "<frus:attachment",
    "<table",
    "<list",
    '<note n="',
    'place="foot"',
    "<closer",
    "<signed",
    "<opener",
    "<postscript",
    "<quote",
    "corresp=",
    'type="from"',
    'type="to"',
    "<gloss",
    "Translation",
    "Telegram",
    "Memorandum",
    'type="source"',
    "notBefore",
    "frus:doc-dateTime-min",
    "<lb/>",
    "<hi rend",
    "<pb ",
]


def write(out, target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def documents(xml):
    """Every top-level `div type="document"` of a volume, as text (nested divs included)."""
    opener = re.compile(r'<div\b[^>]*type="document"[^>]*>')
    tag = re.compile(r"<(/?)div\b[^>]*?(/?)>")
    pos = 0
    while True:
        m = opener.search(xml, pos)
        if not m:
            return
        depth = 0
        for t in tag.finditer(xml, m.start()):
            if t.group(2) == "/":
                continue
            depth += -1 if t.group(1) else 1
            if depth == 0:
                yield xml[m.start() : t.end()]
                pos = t.end()
                break
        else:
            return


def frus(out, path, rng, dates, refs):
    with open(path, encoding="utf-8") as f:
        xml = f.read()
    vol = re.search(r'<TEI\b[^>]*xml:id="([^"]*)"', xml)
    vol = vol.group(1) if vol else os.path.basename(path)[:-4]
    title = re.search(r'<title type="complete">(.*?)</title>', xml, re.S)
    title = title.group(1) if title else vol
    persons = dict(re.findall(r'<persName xml:id="([^"]*)">(.*?)</persName>', xml, re.S))
    docs = [d for d in documents(xml) if len(d.encode()) <= MAX_DOC]
    for d in docs:
        dates.update(strip_tags(x) for x in re.findall(r"<dateline\b.*?</dateline>", d, re.S))
        dates.update(re.findall(r'when="([^"]*)"', d))
        refs.update(re.findall(r'<note\b[^>]*type="source"[^>]*>(.*?)</note>', d, re.S))
    rng.shuffle(docs)
    chosen, seen = [], set()
    # Documents showing a feature not yet covered first, then others at random.
    for d in docs:
        new = {f for f in FEATURES if f in d} - seen
        if new:
            chosen.append(d)
            seen |= new
    for d in docs:
        if len(chosen) >= PER_VOLUME:
            break
        if d not in chosen:
            chosen.append(d)
    for d in chosen[:PER_VOLUME]:
        ids = set(re.findall(r'corresp="#([^"]*)"', d))
        front = "".join(
            f'<item><persName xml:id="{i}">{persons[i]}</persName></item>'
            for i in sorted(ids)
            if i in persons
        )
        write(
            out,
            "frus_tei",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<TEI xmlns="http://www.tei-c.org/ns/1.0" '
            f'xmlns:frus="http://history.state.gov/frus/ns/1.0" xml:id="{vol}">'
            f'<teiHeader><fileDesc><titleStmt><title type="complete">{title}</title>'
            "</titleStmt></fileDesc></teiHeader>"
            f"<text><front><list>{front}</list></front><body>{d}</body></text></TEI>\n",
        )


def strip_tags(s):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", s)).strip()


def main():
    out = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "corpus")
    rng = random.Random(7)
    dates, refs = set(), set()

    volumes = [os.path.join(ROOT, "corpus", "frus", "frus1894Nicaragua.xml")]
    frus_dir = os.path.join(shared, "frus")
    if os.path.isdir(frus_dir):
        volumes += sorted(
            os.path.join(frus_dir, f)
            for f in os.listdir(frus_dir)
            if f.endswith(".xml") and f != "frus1894Nicaragua.xml"
        )
    for v in volumes:
        frus(out, v, rng, dates, refs)

    seeds = {}
    pages = os.path.join(ROOT, "corpus", "wcda-pages")
    for name in sorted(os.listdir(pages)):
        with open(os.path.join(pages, name), encoding="utf-8") as f:
            page = f.read()
        seeds.setdefault("wcda_page", []).append(page)
        # The page without its texts (labels and fields only).
        seeds["wcda_page"].append("\n\n".join(b for b in page.split("\n\n") if len(b) < 300))
        dates.update(page.splitlines()[:3])

    for path in [
        os.path.join(ROOT, "corpus", "wcda-json", "transcript.json"),
        os.path.join(ROOT, "tests", "fixtures", "wcda-collection.json"),
    ]:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
        for key in ("raw", "html", "description"):
            if isinstance(obj.get(key), str) and len(obj[key]) > 3000:
                obj[key] = obj[key][:3000]
        seeds.setdefault("wcda_json", []).append(json.dumps(obj, ensure_ascii=False))

    with open(os.path.join(ROOT, "corpus", "wcda-csv", "wilson_archive_sample.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    for row in rows:
        row = [c[:1500] for c in row]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header, row])
        seeds.setdefault("csv", []).append(buf.getvalue())
        record = dict(zip(header, row))
        refs.add(record.get("source", ""))
        dates.add(record.get("original_publication_date", ""))
        # The same record as the WCDA JSON API would give it.
        seeds["wcda_json"].append(
            json.dumps(
                {
                    "id": record.get("record_id", ""),
                    "title": record.get("title", ""),
                    "description": "<p>" + record.get("summary", "") + "</p>",
                    "frontend_doc_date": record.get("original_publication_date", ""),
                    "source": record.get("source", ""),
                    "languages": [{"id": "en", "name": "English"}],
                    "creators": [{"name": a} for a in json.loads(record.get("authors") or "[]")],
                    "translations": [{"html": "<p>" + record.get("text_body", "")[:800] + "</p>"}],
                },
                ensure_ascii=False,
            )
        )
    seeds["csv"].append(
        "id,title,date,type,languages,authors,archival_refs,transcript,transcript_lang\n"
        'note-1,Записка,1950-07,Letter,ru;en,"Filippov [Stalin]","RGASPI, f. 558, op. 11, d. 334, l. 85",'
        '"Товарищу Сталину.\n\nВторой абзац.",ru\n'
    )

    # JSON Lines: the records the other seeds hold, in Fonds' format, one per file.
    for row in rows[:6]:
        record = dict(zip(header, row))
        seeds.setdefault("jsonl", []).append(
            json.dumps(
                {
                    "id": "wcda-" + record.get("record_id", "1"),
                    "title": record.get("title", ""),
                    "date": "1950-07-13",
                    "type": "Telegram",
                    "summary": record.get("summary", "")[:500],
                    "languages": ["ru"],
                    "authors": ["Filippov [Stalin]"],
                    "texts": [
                        {"role": "transcript", "lang": "ru", "body": "Товарищу Сталину.\n\nВторой."},
                        {
                            "role": "translation",
                            "lang": "en",
                            "body": record.get("text_body", "")[:500],
                            "translators": ["Gary Goldberg"],
                            "notes": [{"n": "1", "body": "A note."}],
                        },
                    ],
                    "archival_refs": [{"archive": "RGASPI", "fond": "558", "raw": record.get("source", "")[:200]}],
                    "source": {"name": "Wilson Center Digital Archive", "record_id": record.get("record_id", "")},
                    "extra": {"scraped_at": record.get("scraped_at", "")},
                    "provenance": {"source_file": "a.csv", "sha256": "00", "importer": "csv"},
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    seeds["jsonl"].append('{"id":"a-1","title":"One"}\n\n{"id":"a-2","title":"Two","date":"1950"}\n')

    for target, items in seeds.items():
        for s in items:
            write(out, target, s)

    names = {"wcda_page": "page.txt", "wcda_json": "record.json", "csv": "meta.csv", "jsonl": "dump.jsonl"}
    for target, name in names.items():
        for s in seeds[target][:4]:
            write(out, "detect", name + "\n" + s)
    with open(volumes[0], encoding="utf-8") as f:
        head = f.read(3000)
    for name in ["volume.xml", "VOLUME.XML", "noext", "x.ndjson"]:
        write(out, "detect", name + "\n" + head)

    # At most 2,000 of each, at random: minimizing keeps those that add coverage.
    dates = sorted({d.strip() for d in dates} - {""})
    for d in rng.sample(dates, min(2000, len(dates))):
        write(out, "date", d)
    refs = sorted({strip_tags(r) for r in refs} - {""})
    for r in rng.sample(refs, min(2000, len(refs))):
        write(out, "archival_ref", r)


if __name__ == "__main__":
    main()
