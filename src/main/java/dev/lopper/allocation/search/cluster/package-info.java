/**
 * The search on a cluster: the evolution stays on the driver ({@code lopper search --cluster}),
 * each generation's fitness evaluations run on workers ({@code lopper worker --join}) through
 * Hazelcast's distributed executor (an embedded member on each side; docs/cluster.md says why this
 * engine). Before any work a worker proves it holds the driver's model, tokenizer and vector width
 * ({@link Fingerprint}) and the fitness windows and scores it was sent ({@link FitnessSpec}); so
 * every evaluation has the bits that {@code --jobs 1} computes. A worker that dies loses nothing:
 * its candidate is evaluated by another ({@link ClusterEvaluator}).
 */
package dev.lopper.allocation.search.cluster;
