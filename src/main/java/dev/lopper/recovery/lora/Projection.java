package dev.lopper.recovery.lora;

import dev.lopper.model.Param;

/** The seven projections of a LLaMA block that adapters can go on, with PEFT's module names. */
public enum Projection {
    Q(Param.Q, "self_attn", "q_proj"),
    K(Param.K, "self_attn", "k_proj"),
    V(Param.V, "self_attn", "v_proj"),
    O(Param.O, "self_attn", "o_proj"),
    GATE(Param.GATE, "mlp", "gate_proj"),
    UP(Param.UP, "mlp", "up_proj"),
    DOWN(Param.DOWN, "mlp", "down_proj");

    public final Param param;
    /** The parent module (self_attn, mlp) and PEFT's target_modules name (q_proj, ...). */
    public final String block, module;

    Projection(Param param, String block, String module) {
        this.param = param;
        this.block = block;
        this.module = module;
    }

    /** The projection of a PEFT target_modules entry (q_proj, ...), or null. */
    public static Projection ofModule(String module) {
        for (Projection p : values()) if (p.module.equals(module)) return p;
        return null;
    }

    /** The spelling users type and PEFT's target_modules use (util/Choices reads it): q_proj, ... */
    @Override
    public String toString() { return module; }

    /** PEFT's tensor name of this projection's A or B in layer {@code layer}. */
    public String peftName(int layer, boolean a) {
        return "base_model.model.model.layers." + layer + "." + block + "." + module + (a ? ".lora_A.weight" : ".lora_B.weight");
    }
}
