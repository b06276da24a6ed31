#!/usr/bin/env bash
# Hazelcast side of the engine comparison (issue 21): a driver member and one worker member on loopback,
# start-up to a formed cluster, task round trip, a node-local model loaded once, and a worker SIGKILLed mid-task.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export JAVA_HOME="$("$here/../../bin/find-jdk")"
(cd "$here/hazelcast" && mvn -q -B -o package -DskipTests)
cp="$here/hazelcast/target/classes:$here/hazelcast/target/lib/*"
echo "jar weight (target/lib): $(du -cb "$here"/hazelcast/target/lib/*.jar | tail -1 | cut -f1) bytes in $(ls "$here"/hazelcast/target/lib | wc -l) jars"
port=${PORT:-15701}
"$JAVA_HOME/bin/java" ${HZ_FLAGS:-} -Xmx256m -cp "$cp" bench.HzEngine worker $port > /tmp/hz-worker.log 2>&1 &
wpid=$!
"$JAVA_HOME/bin/java" ${HZ_FLAGS:-} -Xmx256m -cp "$cp" bench.HzEngine driver $port 1 2>&1 | while IFS= read -r line; do
  echo "$line"
  case "$line" in KILL-NOW*) sleep 1; kill -9 $wpid; echo "(sent SIGKILL to worker $wpid)";; esac
done
wait $wpid 2>/dev/null || true
echo "worker: $(cat /tmp/hz-worker.log)"
