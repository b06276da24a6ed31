package dev.lopper.allocation;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.Param;
import java.util.List;
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
            // the layer's weight matrices (whatever the family has) with the sites of their inputs
            List<Param> params = model.config().layerParams().stream().filter(p -> p.inputSite() != null).toList();
            Matrix[] mats = new Matrix[params.size()];
            Site[] sites = new Site[params.size()];
            for (int i = 0; i < mats.length; i++) {
                mats[i] = params.get(i).of(model, l);
                sites[i] = params.get(i).inputSite();
            }
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
