package bench;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The engine measurement for issue 21 (Spark side): does a SparkContext start on this JDK, how long to a context and a first job. */
public final class SparkEngine {
    public static void main(String[] a) {
        SparkConf conf = new SparkConf().setAppName("bench").setMaster(a.length > 0 ? a[0] : "local[2]")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            long up = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            System.out.println("context up, ms since JVM start: " + up);
            List<Integer> xs = new ArrayList<>();
            for (int i = 0; i < 100; i++) xs.add(i);
            long t0 = System.nanoTime();
            long s = sc.parallelize(xs, 10).map(x -> x * 2).reduce(Integer::sum);
            System.out.printf("first job (10 tasks) %.0f ms, sum %d%n", (System.nanoTime() - t0) / 1e6, s);
            t0 = System.nanoTime();
            int n = 50;
            for (int i = 0; i < n; i++) sc.parallelize(xs, 1).map(x -> x + 1).count();
            System.out.printf("one-task job round trip: %.2f ms%n", (System.nanoTime() - t0) / 1e6 / n);
        }
    }
}
