package dev.lopper.recovery.lora;

import java.util.List;

/**
 * AdamW (Loshchilov & Hutter), PyTorch's update: decoupled weight decay p ← p·(1 − lr·λ), then
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
 * Moments are fp32 arrays beside each parameter array; each element is updated in double.
 */
public final class AdamW {
    public final double beta1, beta2, eps, weightDecay;
    private final List<float[]> params;
    final float[][] m, v;
    int t;

    public AdamW(List<float[]> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).length];
            v[i] = new float[params.get(i).length];
        }
    }

    /** One update with gradients {@code grads} (same order and lengths as the parameters), each scaled by {@code gradScale}. */
    public void step(List<float[]> grads, double lr, double gradScale) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < params.size(); i++) {
            float[] p = params.get(i), g = grads.get(i), mi = m[i], vi = v[i];
            for (int j = 0; j < p.length; j++) {
                double gj = g[j] * gradScale;
                double pj = p[j] * (1 - lr * weightDecay);
                double mj = beta1 * mi[j] + (1 - beta1) * gj;
                double vj = beta2 * vi[j] + (1 - beta2) * gj * gj;
                mi[j] = (float) mj;
                vi[j] = (float) vj;
                p[j] = (float) (pj - lr * (mj / c1) / (Math.sqrt(vj / c2) + eps));
            }
        }
    }

    public int steps() { return t; }
}
