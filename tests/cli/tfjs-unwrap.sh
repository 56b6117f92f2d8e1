#!/bin/sh
# scripts/tfjs-unwrap on hand-made bundles: a good one unwraps to
# model.json + shard with the right bytes; code in the literal, a shard
# that is not base64, a shard of the wrong size, a path that leaves the
# directory and a file that is no bundle are refused with the reason.
script="${top_srcdir:-.}/scripts/tfjs-unwrap"
if ! command -v node >/dev/null 2>&1; then
    echo "1..0 # SKIP node not installed"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
check() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# bundle DIR MODEL_LITERAL SHARD_STRING: a browserify-style wrapper as nsfwjs ships
bundle() {
    mkdir -p "$1"
    printf '!function(e){module.exports=e()}(function(){return function(){}({1:[function(e,a,n){a.exports=%s},{}]},{},[1])(1)});' \
        "$2" >"$1/model.min.js"
    printf '!function(e){module.exports=e()}(function(){return function(){}({1:[function(e,h,n){h.exports="%s"},{}]},{},[1])(1)});' \
        "$3" >"$1/group1-shard1of1.min.js"
}
manifest='weightsManifest:[{paths:["group1-shard1of1"],weights:[{name:"d/kernel",shape:[2,1],dtype:"float32"}]}]'
# 8 bytes: the float32 values 1 and 2
good_shard=AACAPwAAAEA=

bundle "$work/good" "{modelTopology:{model_config:{class_name:\"Sequential\",config:[]},flag:!0},format:\"layers-model\",$manifest}" "$good_shard"
node "$script" "$work/good" "$work/out" 2>"$work/err"
check $? "a good bundle unwraps"
od -An -tx1 "$work/out/group1-shard1of1.bin" | tr -d ' \n' | grep -qx 0000803f00000040
check $? "the shard holds the decoded bytes"
node -e 'const m=require(process.argv[1]); if (m.weightsManifest[0].paths[0] !== "group1-shard1of1.bin" || m.modelTopology.flag !== true) process.exit(1)' \
    "$work/out/model.json"
check $? "model.json names the .bin shard and keeps the literal's values"

bundle "$work/code" "{modelTopology:require(\"fs\").readFileSync(\"/etc/passwd\"),$manifest}" "$good_shard"
node "$script" "$work/code" "$work/out2" 2>"$work/err"
check $(( $? == 1 ? 0 : 1 )) "a literal holding a call is refused"
grep -q "holds code, not only data" "$work/err"
check $? "saying it holds code"

bundle "$work/assign" "{modelTopology:globalThis.x=1,$manifest}" "$good_shard"
node "$script" "$work/assign" "$work/out3" 2>"$work/err"
check $(( $? == 1 ? 0 : 1 )) "a literal holding an assignment is refused"

bundle "$work/notbase64" "{modelTopology:{},$manifest}" 'AAC*PwAAAEA='
node "$script" "$work/notbase64" "$work/out4" 2>"$work/err"
check $(( $? == 1 ? 0 : 1 )) "a shard that is not base64 is refused"
grep -q "group1-shard1of1.min.js: the string is not base64" "$work/err"
check $? "naming the shard"

bundle "$work/short" "{modelTopology:{},$manifest}" AACAPw==
node "$script" "$work/short" "$work/out5" 2>"$work/err"
check $(( $? == 1 ? 0 : 1 )) "a shard of the wrong size is refused"
grep -q "the shards hold 4 bytes; the weightsManifest asks for 8" "$work/err"
check $? "with both sizes"

bundle "$work/escape" "{modelTopology:{},weightsManifest:[{paths:[\"../x\"],weights:[]}]}" "$good_shard"
node "$script" "$work/escape" "$work/out6" 2>"$work/err"
check $(( $? == 1 ? 0 : 1 )) "a shard path leaving the directory is refused"

mkdir -p "$work/plain"
echo 'console.log(1)' >"$work/plain/model.min.js"
node "$script" "$work/plain" "$work/out7" 2>"$work/err"
check $(( $? == 1 ? 0 : 1 )) "a file that is no bundle is refused"

node "$script" "$work/good" 2>/dev/null
check $(( $? == 2 ? 0 : 1 )) "a missing argument exits 2"
echo "1..$n"
