#!/usr/bin/env bash
# Two virtual lab hosts at once (issue 6, "several lab hosts"): boots labs a and b, merges their
# lab configs into one (hosts a and b, one run: section), runs a scenario on both concurrently
# (default e1000-baseline) and prints the merged report's path. Both labs are always taken down.
# Slow on 2 cores (two TCG labs, each with a nested guest): not part of CI.
#   scripts/two-labs.sh [SCENARIO] [extra passbench run arguments…]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-e1000-baseline}
shift || true
a=${PASSBENCH_LAB_A:-a} b=${PASSBENCH_LAB_B:-b}
trap 'npx passbench lab down --name "$a" >/dev/null || true; npx passbench lab down --name "$b" >/dev/null || true' EXIT
config_a=$(npx passbench lab up --name "$a")
config_b=$(npx passbench lab up --name "$b")
merged=$(dirname "$config_a")/two-labs.yaml
# hosts: from both; run: (the guest image, the accelerator) from the first.
node --input-type=module -e '
  import fs from "node:fs"; import { parse, stringify } from "yaml";
  const [a, b, out, nameA, nameB] = process.argv.slice(1).map(String);
  const A = parse(fs.readFileSync(a, "utf8")), B = parse(fs.readFileSync(b, "utf8"));
  // Each lab host measures against its own lab'"'"'s traffic host: the two test hubs are not joined.
  const { peer: _, ...run } = A.run;
  const hosts = { ...A.hosts, ...B.hosts, [nameA]: { ...A.hosts[nameA], peer: A.run.peer }, [nameB]: { ...B.hosts[nameB], peer: B.run.peer } };
  fs.writeFileSync(out, stringify({ hosts, run }), { mode: 0o600 });
' "$config_a" "$config_b" "$merged" "$a" "$b"
npx passbench run "$scenario" --lab "$merged" --config scenarios/virtual-lab-e1000.yaml --host "$a" --host "$b" "$@"
