package dev.lopper.io.gguf;

import dev.lopper.model.Param;

/**
 * llama.cpp's GGUF tensor name of each of Lopper's tensor kinds (llama-arch.cpp's LLM_TENSOR
 * names), the one table the GGUF writer and reader use, as {@link dev.lopper.io.HfLayout} is for HF
 * names. BLOOM packs q, k and v (and their biases) into one {@code attn_qkv} tensor, the parts one
 * after the other (llama.cpp's build_qkv takes q, then k, then v along the rows).
 */
final class GgufNames {
    private GgufNames() {}

    /** llama.cpp's per-pair RoPE frequency divisors (Llama 3.1 scaling). */
    static final String ROPE_FREQS = "rope_freqs.weight";

    /** Whether {@code p} is one part of a packed tensor in {@code arch} (BLOOM's attn_qkv). */
    static boolean packed(String arch, Param p) {
        return arch.equals("bloom") && switch (p) {
            case Q, K, V, BQ, BK, BV -> true;
            default -> false;
        };
    }

    /** The GGUF name of {@code p} in layer {@code layer} for architecture {@code arch}. */
    static String of(String arch, Param p, int layer) {
        String b = "blk." + layer + ".";
        if (packed(arch, p)) return b + "attn_qkv." + (p.vector() ? "bias" : "weight");
        return switch (p) {
            case EMBED -> "token_embd.weight";
            case EMBED_NORM -> "token_embd_norm.weight";
            case EMBED_NORM_BIAS -> "token_embd_norm.bias";
            case FINAL_NORM -> "output_norm.weight";
            case FINAL_NORM_BIAS -> "output_norm.bias";
            case LM_HEAD -> "output.weight";
            case ATTN_NORM -> b + "attn_norm.weight";
            case ATTN_NORM_BIAS -> b + "attn_norm.bias";
            case Q -> b + "attn_q.weight";
            case K -> b + "attn_k.weight";
            case V -> b + "attn_v.weight";
            case O -> b + "attn_output.weight";
            case BQ -> b + "attn_q.bias";
            case BK -> b + "attn_k.bias";
            case BV -> b + "attn_v.bias";
            case BO -> b + "attn_output.bias";
            case MLP_NORM -> b + "ffn_norm.weight";
            case MLP_NORM_BIAS -> b + "ffn_norm.bias";
            case GATE -> b + "ffn_gate.weight";
            case UP -> b + "ffn_up.weight";
            case DOWN -> b + "ffn_down.weight";
            case BGATE -> b + "ffn_gate.bias";
            case BUP -> b + "ffn_up.bias";
            case BDOWN -> b + "ffn_down.bias";
        };
    }
}
