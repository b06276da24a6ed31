package dev.lopper.model;

/**
 * Sees the inputs of the linear layers during a forward pass (calibration statistics,
 * Wanda/FLAP/OWL). {@code x} is row-major [rows, cols] and only valid during the call.
 */
public interface ForwardHook {
    enum Site {
        /** normed input of q/k/v_proj, [rows, hidden] */
        ATTN_IN,
        /** input of o_proj: the heads' outputs (after head masks), [rows, heads·headDim] */
        O_IN,
        /** normed input of gate/up_proj, [rows, hidden] */
        MLP_IN,
        /** input of down_proj: silu(gate)·up (after channel masks), [rows, intermediate] */
        DOWN_IN
    }

    void onInput(int layer, Site site, float[] x, int rows, int cols);
}
