package dev.lopper.cli;

import dev.lopper.eval.MarkdownReport;
import dev.lopper.eval.ModelReport;
import dev.lopper.eval.PerplexityRow;
import dev.lopper.eval.TaskResult;
import dev.lopper.eval.ZeroShotResults;

import java.nio.file.Path;
import java.util.List;

/** Console tables and report folders for evaluation results. */
final class Reports {
    private Reports() {}

    static ModelReport modelReport(String label, EvalCommand.EvalResult r) {
        List<PerplexityRow> ppl = r.perplexity().stream().map(dev.lopper.eval.Perplexity.Result::row).toList();
        return new ModelReport(label, r.zeroShot(), ppl);
    }

    /** report.md and the charts it shows. */
    static void write(Path dir, List<ModelReport> models) {
        MarkdownReport.write(dir, models);
    }

    static void printZeroShot(ZeroShotResults zs) {
        System.out.printf("%-15s %6s %8s %9s  %s%n", "task", "n", "acc", "acc_norm", "table metric");
        for (TaskResult t : zs.tasks()) {
            System.out.printf("%-15s %6d %8.4f %9s  %s = %.4f%n", t.task(), t.examples(), t.acc(),
                    t.accNorm() == null ? "-" : String.format("%.4f", t.accNorm()), t.tableMetric(), t.tableValue());
        }
        if (zs.averageOfSeven() != null) System.out.printf("average of the seven tasks: %.4f%n", zs.averageOfSeven());
    }
}
