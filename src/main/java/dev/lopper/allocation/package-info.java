/**
 * From a global target to the groups to remove.
 *
 * <p>A {@link dev.lopper.allocation.Target} asks for a fraction of ALL the model's parameters
 * (embeddings, LM head and norms included) to go, from attention groups, MLP channels or both,
 * in a layer range. An {@link dev.lopper.allocation.Allocator} ({@code uniform}, {@code owl},
 * {@code flap-global}, {@code file}) turns it into {@link dev.lopper.allocation.RemovalCounts}
 * per layer, meeting the goal to within one group; {@link dev.lopper.allocation.Selection}
 * then removes the lowest-scored groups of each layer, giving a
 * {@link dev.lopper.surgery.KeepPlan} for {@link dev.lopper.surgery.Surgery}:
 *
 * <pre>{@code
 * Target target = Target.of(0.2, model.config()).withRange(LayerRange.llmPruner(model.config().numLayers()));
 * RemovalCounts counts = new UniformAllocator().allocate(model.config(), target);
 * KeepPlan plan = Selection.select(scores, counts);
 * LlamaModel pruned = Surgery.apply(model, plan);
 * }</pre>
 */
package dev.lopper.allocation;
