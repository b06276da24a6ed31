package dev.lopper;

import java.util.function.Function;

/**
 * Bad input that is one setting's value: {@code problem} says what is wrong with it ("must be at
 * least 1, not 0"). The message names the setting in words; the CLI prints the option's name
 * instead ("--fusion-steps must be at least 1, not 0").
 */
public class BadSettingException extends BadInputException {
    private final Setting setting;
    private final String problem;

    public BadSettingException(Setting setting, String problem) {
        super(setting.words() + " " + problem);
        this.setting = setting;
        this.problem = problem;
    }

    public BadSettingException(Setting setting, String problem, Throwable cause) {
        super(setting.words() + " " + problem, cause);
        this.setting = setting;
        this.problem = problem;
    }

    public Setting setting() { return setting; }

    public String problem() { return problem; }

    @Override
    public String message(Function<Setting, String> name) {
        return name.apply(setting) + " " + Setting.render(problem, name);
    }
}
