#!/usr/bin/env bash
# Both sides of the engine comparison, one after the other, on the same (loaded) machine; output in results/cluster/engines.txt.
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../results/cluster/engines.txt"; mkdir -p "$(dirname "$out")"
{
  date -u; echo "load: $(cat /proc/loadavg)"; nproc
  echo "=== Hazelcast 5.6.0, with the flags it asks for"
  HZ_FLAGS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow" \
    "$here/run-hazelcast.sh" 2>&1 | grep -v Killed
  for v in 4.0.1 4.1.1; do
    echo "=== Spark $v"
    SPARK_VERSION=$v "$here/run-spark.sh" 2>&1 | grep -v -E '^\s+at |INFO|WARN Utils' | grep -v -E '^WARNING: (A restricted|java.lang.System::load|Use --enable|Restricted)' | head -20
  done
  echo "load after: $(cat /proc/loadavg)"
} > "$out" 2>&1
