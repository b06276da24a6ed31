package dev.lopper.recovery.lora;

/** Which tokens of an instruction example the loss is taken on. */
public enum LossOn {
    /** Only the response (the prompt's tokens have weight 0): Alpaca's and LLM-Pruner's train_on_inputs=False. */
    RESPONSE,
    /** Every token, prompt included. */
    ALL;

    /** The spelling users type (util/Choices reads it): response, all. */
    @Override
    public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
}
