#!/usr/bin/env bash
# The README cannot drift from its results: every figure in a README region
# marked as coming from result files appears in those files. A region is
#
#   <!-- figures: bench/results/NAME.md [bench/results/OTHER.json ...] -->
#   ... a caption citing the files, a table, a paragraph ...
#   <!-- end figures -->
#
# Checked here, without training anything:
# - every region is closed, names at least one file, every file exists and
#   the region's visible text cites each one by its path (readers see where
#   a figure comes from, not only this test);
# - every number of the region is one of the files' numbers as the README
#   rounds it: 5,726 matches 5726.33; 63% matches 0.6296 (a share) or 63.0;
#   8.39 MB matches 8390824 (a value in units of 1e3, 1e6 or 1e9 of the
#   file's); 0.9162 matches 0.9162. Not figures, so not checked: numbers in
#   `code`, targets (after >= or <=), numbers glued to letters (60k, x86-64,
#   AES-256), the first cell of a table row (its label) and header rows;
# - the README has at least 4 such regions (so removing the marks fails).
# BIN_DIR is not used.
source "$(dirname "$0")/lib.sh" "$@"
readme=$repo_dir/README.md

# regions README: one line per region, "START END FILE...", from the marks;
# a mark left open or a region without a file is reported as "ERROR ...".
regions() {
  awk '
    /^<!-- figures: .* -->$/ {
      if (start) print "ERROR line " start ": region not closed before line " NR
      start = NR; files = $0
      sub(/^<!-- figures: */, "", files); sub(/ *-->$/, "", files)
      next }
    /^<!-- end figures -->$/ {
      if (!start) { print "ERROR line " NR ": end of a region that was not opened"; next }
      if (files == "") print "ERROR line " start ": region names no result file"
      else print start, NR, files
      start = 0 }
    END { if (start) print "ERROR line " start ": region not closed" }' "$1"
}

# figures README START END: the checked numbers of lines START..END, one
# "LINE NUMBER" per line (NUMBER without thousands separators, with a
# trailing % when the README wrote one).
figures() {
  awk -v s="$2" -v e="$3" '
    function separator(t) { return t ~ /^\|[-| :]+\|$/ }
    NR > s && NR < e { text[NR] = $0 }
    END {
      for (n = s + 1; n < e; n++) {
        line = text[n]
        if (line ~ /^\|/) {
          # The separator, the header above it and the label cell of each row.
          if (separator(line) || (n + 1 < e && separator(text[n + 1]))) continue
          sub(/^\|[^|]*\|/, "|", line)
        }
        gsub(/`[^`]*`/, " ", line)                       # code
        gsub(/<!--[^>]*-->/, " ", line)
        gsub(/[<>]= *[0-9][0-9,.]*[%x]?/, " ", line)     # targets
        emit(line, n)
      }
    }
    function emit(line, n,    rest, tok, pre, prepre, post) {
      rest = "  " line " "
      while (match(rest, /[0-9][0-9,]*(\.[0-9]+)?/)) {
        tok = substr(rest, RSTART, RLENGTH)
        pre = substr(rest, RSTART - 1, 1)
        prepre = substr(rest, RSTART - 2, 1)
        post = substr(rest, RSTART + RLENGTH, 2)
        rest = substr(rest, RSTART + RLENGTH)
        sub(/,+$/, "", tok)
        # Glued to a word: a name or a version (x86-64, AES-256, v4, 1.13.0a0).
        if (pre ~ /[A-Za-z_.\/]/ || (pre == "-" && prepre ~ /[A-Za-z]/)) continue
        # Glued to letters after it (60k, 28x28, 3s), except a speed-up (1.6x).
        if (post ~ /^[A-Za-z]/ && post !~ /^x([^A-Za-z0-9]|$)/) continue
        gsub(/,/, "", tok)
        print n, tok (substr(post, 1, 1) == "%" ? "%" : "")
      }
    }' "$1"
}

# known FILE...: every number in the FILEs, thousands separators removed.
known() {
  cat "$@" | sed -E ':a; s/([0-9]),([0-9]{3})/\1\2/g; ta' \
    | grep -oE '[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?' | sort -u
}

# missing KNOWN FIGURES: the figures (lines "LINE NUMBER[%]") that no known
# value gives at the README's precision, scaled by 1, 1e-3, 1e-6 or 1e-9
# (and by 100 for a %).
missing() {
  awk '
    NR == FNR { v[++n] = $1 + 0; next }
    {
      fig = $2; pct = sub(/%$/, "", fig)
      d = index(fig, ".") ? length(fig) - index(fig, ".") : 0
      want = sprintf("%.*f", d, fig + 0); found = 0
      split("1 0.001 0.000001 0.000000001", scales, " ")
      if (pct) scales[5] = 100
      for (i = 1; i <= n && !found; i++)
        for (k in scales) {
          x = v[i] * scales[k]; if (x < 0) x = -x
          if (sprintf("%.*f", d, x) == want) { found = 1; break }
        }
      if (!found) print $1, $2
    }' "$1" "$2"
}

regions "$readme" >"$work/regions"
check_eq "unclosed or empty figure regions" "$(grep -c '^ERROR' "$work/regions" || true)" 0
grep '^ERROR' "$work/regions" || true
check_ge "figure regions in README.md" "$(grep -vc '^ERROR' "$work/regions" || true)" 4
while read -r start end files; do
  [[ $start == ERROR ]] && continue
  paths=()
  for f in $files; do
    if [[ ! -f $repo_dir/$f ]]; then
      check_eq "README lines $start-$end: result file $f exists" no yes
      continue
    fi
    sed -n "$((start + 1)),$((end - 1))p" "$readme" | grep -qF "$f" \
      || check_eq "README lines $start-$end cite $f in their text" no yes
    paths+=("$repo_dir/$f")
  done
  ((${#paths[@]})) || continue
  known "${paths[@]}" >"$work/known"
  figures "$readme" "$start" "$end" >"$work/figures"
  missing "$work/known" "$work/figures" >"$work/missing"
  while read -r line fig; do
    echo "FAIL: README.md line $line: $fig is in none of $files"
    failures=$((failures + 1))
  done <"$work/missing"
  echo "ok: README lines $start-$end: $(($(wc -l <"$work/figures") - $(wc -l <"$work/missing"))) of $(wc -l <"$work/figures") figures found in $files"
done <"$work/regions"
finish
