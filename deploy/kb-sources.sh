#!/usr/bin/env bash
# Extract the open data that `make kb` reads into ../shared/kb-sources (never into the repository).
#
# Usage: deploy/kb-sources.sh MIRRORS [DEST]
#   MIRRORS  a directory holding one git directory per source, named owner+name (as the
#            project's fetch tool leaves them; `git clone --mirror` works too: owner+name/repo
#            or owner+name itself as the git dir)
#   DEST     default: ../shared/kb-sources beside the repository
# Each source is read at the commit the README names, so the build gives the same bytes.
set -euo pipefail
mirrors=${1:?usage: deploy/kb-sources.sh MIRRORS [DEST]}
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${2:-$here/../shared/kb-sources}

gitdir() { # the git directory of owner+name under $mirrors
  local d=$mirrors/$1
  [[ -d $d/repo/.git ]] && { echo "$d/repo/.git"; return; }
  [[ -d $d/repo ]] && { echo "$d/repo"; return; }
  [[ -d $d/objects ]] && { echo "$d"; return; }
  echo "kb-sources: no git directory for $1 under $mirrors (fetch github:${1/+//} first)" >&2
  exit 1
}

extract() { # extract REPO COMMIT INTO PATH...
  local repo=$1 commit=$2 into=$dest/$3
  shift 3
  local git
  git=$(gitdir "$repo")
  git --git-dir="$git" cat-file -e "$commit^{commit}" 2>/dev/null ||
    { echo "kb-sources: $repo lacks commit $commit (fetch a newer snapshot)" >&2; exit 1; }
  mkdir -p "$into"
  # 2>/dev/null: a partial snapshot reports blobs it lacks outside the paths asked for
  git --git-dir="$git" archive "$commit" -- "$@" 2>/dev/null | tar -x -C "$into"
  full=$(git --git-dir="$git" rev-parse "$commit^{commit}")
  echo "${repo/+//} @ $full: $*" > "$into/SOURCE.txt"
  echo "kb-sources: ${repo/+//} @ ${full:0:7} → $into"
}

one_by_one() { # one_by_one REPO COMMIT INTO DIR REGEX: DIR's files matching REGEX, blob by blob
  # A snapshot may lack a few large blobs, where git archive stops: say which, take the rest.
  local repo=$1 commit=$2 into=$dest/$3 dir=$4 regex=$5 git missing=()
  git=$(gitdir "$repo")
  while read -r _ _ sha path; do
    mkdir -p "$into/$(dirname "$path")"
    git --git-dir="$git" cat-file blob "$sha" > "$into/$path" 2>/dev/null || { rm -f "$into/$path"; missing+=("$path"); }
  done < <(git --git-dir="$git" ls-tree -r "$commit" "$dir" | grep -E "$regex")
  echo "${repo/+//} @ $(git --git-dir="$git" rev-parse "$commit"): $dir ($regex); missing from the snapshot:" \
    "${missing[*]:-none}" > "$into/SOURCE.txt"
  echo "kb-sources: ${repo/+//} @ $commit → $into (${#missing[@]} files missing from the snapshot)"
}

flat() { # move the extracted files of INTO/SUB up into INTO (for sources read flat)
  local into=$dest/$1 sub=$2
  find "$into/$sub" -type f -exec mv -t "$into" {} +
  rm -rf "${into:?}/${sub%%/*}"
}

extract peppercatorg+site-build 8089342 peppercat docs/leaders
# Peppercat's pages of the office holders in post (QID, "in office since"), one snapshot a month
# after the CSVs above stop (processors/kb_build/leaders_recent.py): the month's last commit, by date.
for snap in 2023-01-31:bb55384dc 2023-02-28:deebe2ac2 2023-03-31:f333bcfa0 2023-04-30:f9f2f4425 \
  2023-05-31:900a6fa60 2023-06-30:d3267b690 2023-07-31:55d336d06 2023-08-31:bb16de853 2023-09-30:eb8fcc93a \
  2023-10-31:d2af66df5 2023-11-30:a90d02ffd 2023-12-31:4e1dcf0bd 2024-01-31:610166681 2024-02-29:b2c57c94d \
  2024-03-30:b3041f172 2024-04-30:7ea50d507 2024-05-31:b05fb94be 2024-06-29:dfdc83a12 2024-07-31:d5477d7d1 \
  2024-08-31:f79017ffa 2024-09-30:48b816557 2024-10-31:f89a1c767 2024-11-24:f3bccdb45 2024-12-31:8ef70d73c \
  2025-01-31:4940eac4c; do
  extract peppercatorg+site-build "${snap#*:}" "peppercat-recent/${snap%%:*}" 'docs/leaders/*/index.html'
done
extract confirmordeny+supraverden 59ab4fa supraverden data/general_list.yaml
extract hdigital+partyfactsdata 764de89 partyfacts import/wikipedia
one_by_one tijmenb+everypolitician-data 0642e77 everypolitician data '/ep-popolo-v1\.0\.json$'
extract moov-io+watchman d299005 watchman test/testdata/UN_consolidated.xml test/testdata/bench/sdn.csv \
  test/testdata/bench/alt.csv
flat watchman test/testdata
# Companies and media (processors/kb_build/companies.py): brands and operators with Wikidata QIDs,
# news publishers, large listed companies (the snapshot lacks the NYSE/Nasdaq files: >= 4 MiB).
extract osmlab+name-suggestion-index c8b272e nsi data/brands data/operators/power data/operators/telecom
extract flairNLP+fundus 18da6e5 fundus src/fundus/publishers
# Newspapers with their QIDs: a Wikidata query's result (CC0 data; the repository states no licence).
extract patrickswickard+international_newspapers 0d8b4a3 newspapers full_list_of_newspapers.json
one_by_one JerBouma+FinanceDatabase 268be5d financedatabase database/equities .
# Football clubs by country with the names they go by (processors/kb_build/clubs.py; public domain).
extract openfootball+clubs ae38002 clubs .
# The S&P 500's companies as of August 2025 (the large US companies the snapshot above lacks;
# ODC-PDDL) and the world's universities (MIT), read by processors/kb_build/listings.py.
extract datasets+s-and-p-500-companies b61fb6f sp500 data/constituents.csv
extract Hipo+university-domains-list bb07faf universities world_universities_and_domains.json
echo "kb-sources: done; now \`make kb\`"
