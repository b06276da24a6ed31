package dev.lopper.recovery.lora;

/**
 * Learning rate of step s (0-based) of {@code total}: linear warm-up over {@code warmup} steps
 * to {@code peak}, then half a cosine down to 0 at {@code total} (Hugging Face's
 * get_cosine_schedule_with_warmup, the schedule LLM-Pruner's recovery uses).
 */
public record CosineSchedule(double peak, int warmup, int total) {
    public double at(int step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
}
