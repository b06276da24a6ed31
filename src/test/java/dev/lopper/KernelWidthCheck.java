package dev.lopper;

import dev.lopper.tensor.Simd;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Runs the plain {@code @Test} methods of the named test classes in this JVM and exits 1 if any
 * fails or is skipped. KernelWidthTest starts it in a child JVM with {@code -Dlopper.vectorBits}
 * set, so the kernels run at a width other than the machine's preferred one.
 */
public final class KernelWidthCheck {
    private KernelWidthCheck() {}

    public static void main(String[] args) throws ReflectiveOperationException {
        System.out.println("vector bits " + Simd.bits());
        int failed = 0, ran = 0;
        for (String name : args) {
            Class<?> c = Class.forName(name);
            Constructor<?> ctor = c.getDeclaredConstructor();
            ctor.setAccessible(true);
            Method[] methods = c.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!m.isAnnotationPresent(Test.class) || m.getParameterCount() != 0) continue;
                m.setAccessible(true);
                ran++;
                try {
                    m.invoke(ctor.newInstance());
                    System.out.println("ok " + c.getSimpleName() + "." + m.getName());
                } catch (InvocationTargetException e) {
                    failed++;
                    System.out.println("FAILED " + c.getSimpleName() + "." + m.getName() + ": " + e.getCause());
                }
            }
        }
        System.out.println(ran + " run, " + failed + " failed or skipped");
        System.exit(failed == 0 && ran > 0 ? 0 : 1);
    }
}
