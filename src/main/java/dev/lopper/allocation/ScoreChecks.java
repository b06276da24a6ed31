package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.importance.Scores;
import dev.lopper.model.ModelConfig;

/** Checks that scores fit a model and are usable numbers. */
final class ScoreChecks {
    private ScoreChecks() {}

    static void matchModel(Scores s, ModelConfig c) {
        int n = c.numLayers();
        if (s.attention().length != n || s.mlp().length != n)
            throw new BadInputException("scores of criterion '" + s.criterion() + "' cover " + s.attention().length
                    + " layers but the model has " + n);
        for (int l = 0; l < n; l++) {
            if (s.attention()[l].length != c.layer(l).kvHeads())
                throw new BadInputException("scores of criterion '" + s.criterion() + "' have " + s.attention()[l].length
                        + " attention groups in layer " + l + " but the model has " + c.layer(l).kvHeads());
            if (s.mlp()[l].length != c.layer(l).intermediate())
                throw new BadInputException("scores of criterion '" + s.criterion() + "' have " + s.mlp()[l].length
                        + " MLP channels in layer " + l + " but the model has " + c.layer(l).intermediate());
        }
        finite(s);
    }

    static void finite(Scores s) {
        for (int l = 0; l < s.attention().length; l++) {
            for (int j = 0; j < s.attention()[l].length; j++)
                if (Double.isNaN(s.attention()[l][j]))
                    throw new BadInputException("score of attention group " + j + " in layer " + l + " is NaN (criterion '"
                            + s.criterion() + "')");
            for (int j = 0; j < s.mlp()[l].length; j++)
                if (Double.isNaN(s.mlp()[l][j]))
                    throw new BadInputException("score of MLP channel " + j + " in layer " + l + " is NaN (criterion '"
                            + s.criterion() + "')");
        }
    }
}
