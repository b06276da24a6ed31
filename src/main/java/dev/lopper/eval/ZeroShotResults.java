package dev.lopper.eval;

import java.util.List;
import java.util.Optional;

/**
 * All tasks of one evaluation run.
 *
 * @param averageOfSeven mean table metric over the seven standard tasks; null unless all seven ran
 * @param limit          examples per task used (0 = all)
 */
public record ZeroShotResults(String model, List<TaskResult> tasks, Double averageOfSeven, int limit) {
    public ZeroShotResults {
        tasks = List.copyOf(tasks);
    }

    public Optional<TaskResult> find(String taskName) {
        return tasks.stream().filter(t -> t.task().equals(taskName)).findFirst();
    }
}
