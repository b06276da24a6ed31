#!/usr/bin/env bash
# Spark side of the engine comparison (issue 21): jar weight of spark-core's runtime tree, and whether a
# SparkContext starts on this JDK without and with the --add-opens flags Spark's launcher adds
# (JavaModuleOptions), the time to a context and to a first job.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export JAVA_HOME="$("$here/../../bin/find-jdk")"
(cd "$here/spark" && rm -rf target/lib && mvn -q -B package -DskipTests -Dspark.version=${SPARK_VERSION:-4.0.1}) || exit 1
echo "spark-core_2.13 ${SPARK_VERSION:-4.0.1}"
cp="$here/spark/target/classes:$here/spark/target/lib/*"
echo "jar weight (target/lib): $(du -cb "$here"/spark/target/lib/*.jar | tail -1 | cut -f1) bytes in $(ls "$here"/spark/target/lib | wc -l) jars"
"$JAVA_HOME/bin/java" -version 2>&1 | head -1
echo "--- without flags"
"$JAVA_HOME/bin/java" -Xmx1g -cp "$cp" bench.SparkEngine 2>&1 | grep -v -E '^\s+at ' | head -8
flags="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
 --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
 --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
 -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true"
echo "--- with Spark's JavaModuleOptions flags"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $flags -Xmx1g -cp "$cp" bench.SparkEngine 2>&1 | grep -v -E '^\s+at ' | grep -v -E '^(WARNING|[0-9]{2}/)' | head -12
