package dev.lopper.allocation;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.tensor.Matrix;

/**
 * OWL's layer-wise outlier ratio D_ℓ: the share of the layer's Wanda scores |W_ij|·‖x_j‖₂ that
 * exceed M times their mean, over all seven linear weights of the layer together.
 */
public final class OutlierRatios {
    public static final double DEFAULT_M = 5.0;

    private OutlierRatios() {}

    public static double[] compute(LlamaModel model, ActivationStats act, double m) {
        int n = model.config().numLayers();
        double[] ratios = new double[n];
        for (int l = 0; l < n; l++) {
            LayerWeights w = model.layer(l);
            Matrix[] mats = {w.wq(), w.wk(), w.wv(), w.wo(), w.gate(), w.up(), w.down()};
            Site[] sites = {Site.ATTN_IN, Site.ATTN_IN, Site.ATTN_IN, Site.O_IN, Site.MLP_IN, Site.MLP_IN, Site.DOWN_IN};
            double sum = 0;
            long count = 0;
            double[][] norms = new double[mats.length][];
            for (int i = 0; i < mats.length; i++) {
                if (mats[i].size() == 0) continue;
                norms[i] = act.l2Norm(l, sites[i]);
                sum += scoreSum(mats[i], norms[i]);
                count += mats[i].size();
            }
            if (count == 0) continue;
            double threshold = m * sum / count;
            long outliers = 0;
            for (int i = 0; i < mats.length; i++) {
                if (mats[i].size() > 0) outliers += countAbove(mats[i], norms[i], threshold);
            }
            ratios[l] = (double) outliers / count;
        }
        return ratios;
    }

    private static double scoreSum(Matrix w, double[] norm) {
        float[] row = new float[w.cols()];
        double s = 0;
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            for (int c = 0; c < row.length; c++) s += Math.abs(row[c]) * norm[c];
        }
        return s;
    }

    private static long countAbove(Matrix w, double[] norm, double threshold) {
        float[] row = new float[w.cols()];
        long k = 0;
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            for (int c = 0; c < row.length; c++) if (Math.abs(row[c]) * norm[c] > threshold) k++;
        }
        return k;
    }
}
