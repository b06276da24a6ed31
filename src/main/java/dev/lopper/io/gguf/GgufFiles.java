package dev.lopper.io.gguf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Recognising GGUF files. */
public final class GgufFiles {
    private GgufFiles() {}

    /** A regular file named *.gguf, or one that starts with the GGUF magic. */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) return false;
        if (path.getFileName().toString().toLowerCase().endsWith(".gguf")) return true;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }
}
