# Sourced by build-lab.sh and build-guest.sh (which define log and die).
# resolve_modules MODULES_DIR NAME...: sets the global array `order` to the modules' paths
# (relative to MODULES_DIR, as modules.dep names them), dependencies first. Modules built into
# the kernel are skipped with a note; a module that exists nowhere is an error.
resolve_modules() {
  local dir=$1; shift
  local moddep=$dir/modules.dep m alt alt2 rel
  declare -gA seen=()
  order=()
  _visit() {  # depth-first: dependencies before the module
    local rel=$1 dep
    [ -n "${seen[$rel]:-}" ] && return 0
    seen[$rel]=1
    for dep in $(awk -v m="$rel:" '$1==m{for(i=2;i<=NF;i++)print $i}' "$moddep" | tac); do _visit "$dep"; done
    order+=("$rel")
  }
  for m in "$@"; do
    alt=${m//-/_}; alt2=${m//_/-}
    rel=$(grep -m1 -E "^[^:]*/($m|$alt|$alt2)\.ko(\.xz|\.zst|\.gz)?:" "$moddep" | cut -d: -f1 || true)
    if [ -z "$rel" ]; then
      grep -qE "/($m|$alt|$alt2)\.ko" "$dir/modules.builtin" && { log "$m is built in"; continue; }
      die "module $m not found in $dir"
    fi
    _visit "$rel"
  done
}
