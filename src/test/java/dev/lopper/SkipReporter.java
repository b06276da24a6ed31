package dev.lopper;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.Optional;

/**
 * Prints each skipped test and why on the console ("SKIPPED Class.method: reason"), so a run that
 * skips its golden or data tests says so where people read it, not only in the surefire XML.
 * Registered for every test class through META-INF/services and junit-platform.properties.
 */
public final class SkipReporter implements TestWatcher {
    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        report(context, cause == null ? null : cause.getMessage());
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        report(context, reason.orElse(null));
    }

    private static void report(ExtensionContext c, String why) {
        String name = c.getRequiredTestClass().getSimpleName() + "." + c.getDisplayName();
        String reason = why == null || why.isBlank() ? "no reason given" : why.replace("Assumption failed: ", "");
        System.out.println("SKIPPED " + name + ": " + reason);
    }
}
