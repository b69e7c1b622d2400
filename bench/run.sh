#!/usr/bin/env bash
# zhitu's benchmark: extraction alone and extraction + store on the corpora of
# ../shared/bench/make_corpus.py, side by side with the reference points on the same files:
# ripgrep's multi-pattern scan for the same lexicon names (`rg -c -F -f`), and jieba's
# part-of-speech tagging (PyPI). Then the analyst queries of bench/queries/ on the largest store.
#
#   bench/run.sh              # 10 MB and 100 MB
#   bench/run.sh 10 100 1000  # …and 1 GB (about 2 GB of disk for the corpus, 12 GB while the store loads)
#
# Environment: ZHITU_BENCH_DIR (corpora, stores; default ~/.cache/zhitu/bench),
# JOBS (extraction threads; default all cores), JIEBA_MB (how much of each corpus jieba
# tags; default 2: at about 0.2 MB/s it would take hours on the whole), CARGO_TARGET_DIR.
# Figures are printed as a Markdown table and written to $ZHITU_BENCH_DIR/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10 100)
BENCH=${ZHITU_BENCH_DIR:-$HOME/.cache/zhitu/bench}
JOBS=${JOBS:-0}
JIEBA_MB=${JIEBA_MB:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zhitu/target}
SHARED=${SHARED:-../shared}
mkdir -p "$BENCH"
command -v rg >/dev/null || { echo "bench: needs ripgrep (apt-get install ripgrep)"; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)"; exit 2; }

echo "building zhitu (release)…" >&2
cargo build --release --quiet
ZHITU=$CARGO_TARGET_DIR/release/zhitu

# jieba in its own virtual environment, once.
VENV=$BENCH/venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet jieba==0.42.1
fi

# The lexicon names zhitu matches, one per line, for ripgrep.
LEXICON=$BENCH/lexicon-names.txt
grep -hv '^#' ontology/lexicons/*.tsv | cut -f1,3 | tr '\t|' '\n\n' | grep -v '^$' | sort -u > "$LEXICON"

# run LABEL CMD…: runs CMD under GNU time; sets SECS and RSS_MB.
run() {
  local label=$1; shift
  local log=$BENCH/time.log
  /usr/bin/time -v -o "$log" "$@" > "$BENCH/out.txt" 2> "$BENCH/err.txt" || {
    echo "bench: $label failed:" >&2; cat "$BENCH/err.txt" >&2; exit 1; }
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
  RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
}
rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

OUT=$BENCH/results.md
{
  echo "# zhitu benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "zhitu $($ZHITU --version | cut -d' ' -f2) (release build), $(rg --version | head -1), jieba 0.42.1 (Python $(python3 -c 'import sys; print(sys.version.split()[0])')); lexicon: $(wc -l < "$LEXICON") names"
  echo
  echo "| corpus | docs | what | seconds | MB/s | docs/s | quads/s | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$OUT"
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $8 |" | tee -a "$OUT"; }

LAST_STORE=
for size in "${SIZES[@]}"; do
  corpus=$BENCH/corpus-$size
  [ -d "$corpus" ] || python3 "$SHARED/bench/make_corpus.py" "$size" "$corpus" --cache "$BENCH/cache" >&2
  mb=$(find "$corpus" -type f -name '*.txt' -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1e6 }')
  docs=$(find "$corpus" -type f -name '*.txt' | wc -l)
  label="${size} MB"

  # ripgrep: one optimised multi-pattern pass over the same files, 1 thread and all.
  cat "$corpus"/*/* > /dev/null 2>&1 || true # warm the page cache alike for everyone
  run "rg -j1" rg -j1 -c -F -f "$LEXICON" "$corpus"
  row "$label" "$docs" "rg -c -F -f, 1 thread" "$SECS" "$(rate "$mb" "$SECS")" "$(rate "$docs" "$SECS")" "" "$RSS_MB"
  run "rg" rg -c -F -f "$LEXICON" "$corpus"
  RG_SECS=$SECS
  row "$label" "$docs" "rg -c -F -f, all threads" "$SECS" "$(rate "$mb" "$SECS")" "$(rate "$docs" "$SECS")" "" "$RSS_MB"

  # zhitu, extraction alone.
  rm -rf "$BENCH/out-$size"
  run "extract --no-store" "$ZHITU" extract "$corpus" --out "$BENCH/out-$size" --no-store --jobs "$JOBS" -q
  EX_SECS=$SECS
  row "$label" "$docs" "zhitu extract --no-store" "$SECS" "$(rate "$mb" "$SECS")" "$(rate "$docs" "$SECS")" "" "$RSS_MB"

  # zhitu, extraction and store (a new store).
  rm -rf "$BENCH/out-$size"
  run "extract" "$ZHITU" extract "$corpus" --out "$BENCH/out-$size" --jobs "$JOBS" -q
  secs=$SECS rss=$RSS_MB
  quads=$("$ZHITU" query --store "$BENCH/out-$size/store" --format tsv \
    'SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }' | tail -1 | grep -o '^[0-9]*')
  row "$label" "$docs" "zhitu extract (with store, $quads quads)" "$secs" "$(rate "$mb" "$secs")" "$(rate "$docs" "$secs")" "$(rate "$quads" "$secs" | cut -d. -f1)" "$rss"
  LAST_STORE=$BENCH/out-$size/store

  # jieba: part-of-speech tagging of the first JIEBA_MB of the same files.
  sample=$BENCH/jieba-sample.txt
  python3 - "$corpus" "$JIEBA_MB" "$sample" <<'PY'
import os, sys
corpus, mb, sample = sys.argv[1], float(sys.argv[2]), sys.argv[3]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if f.endswith(".txt"))
out, size = [], 0
for f in files:
    if size >= mb * 1e6:
        break
    text = open(f, encoding="utf-8").read()
    out.append(text)
    size += len(text.encode("utf-8"))
open(sample, "w", encoding="utf-8").write("".join(out))
PY
  run "jieba" "$VENV/bin/python" -c '
import sys, jieba, jieba.posseg as pseg
jieba.setLogLevel(60); jieba.initialize()
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    n += sum(1 for _ in pseg.cut(line))
print(n)' "$sample"
  smb=$(awk -v b="$(stat -c %s "$sample")" 'BEGIN { printf "%.1f", b / 1e6 }')
  JB_RATE=$(rate "$smb" "$SECS")
  row "$label" "" "jieba posseg (first $smb MB, incl. its 1 s start)" "$SECS" "$JB_RATE" "" "" "$RSS_MB"

  EX_RATE=$(rate "$mb" "$EX_SECS")
  echo "ratios at $label: zhitu extraction is $(rate "$RG_SECS" "$EX_SECS")× ripgrep's speed ($(rate "$EX_SECS" "$RG_SECS")× its time), and $(rate "$EX_RATE" "$JB_RATE")× jieba's" | tee -a "$OUT"
done

# The analyst queries, each three times on the largest store (the best of three; each run
# is a whole `zhitu query` process: start, open the store, answer, print). A query still
# running after QUERY_TIMEOUT seconds (default 120) is stopped and reported as such.
QUERY_TIMEOUT=${QUERY_TIMEOUT:-120}
{
  echo
  echo "Queries on $(basename "$(dirname "$LAST_STORE")") (bench/queries/; seconds, best of 3, whole process):"
  echo
  echo "| query | rows | seconds |"
  echo "|---|---|---|"
} | tee -a "$OUT"
for q in bench/queries/*.rq; do
  best=
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    if ! timeout "$QUERY_TIMEOUT" "$ZHITU" query --store "$LAST_STORE" --format tsv --file "$q" > "$BENCH/out.txt"; then
      best="stopped after $QUERY_TIMEOUT s"
      break
    fi
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    best=$(awk -v a="$secs" -v b="${best:-$secs}" 'BEGIN { print (a < b ? a : b) }')
  done
  case $(head -c 5 "$BENCH/out.txt") in
    true|false) rows="ASK: $(cat "$BENCH/out.txt")" ;;
    *) rows=$(($(grep -c '' "$BENCH/out.txt") - 1)) ;;
  esac
  echo "| $(basename "$q" .rq) | $rows | $best |" | tee -a "$OUT"
done
echo "(written to $OUT)"
