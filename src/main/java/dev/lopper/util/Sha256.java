package dev.lopper.util;

import dev.lopper.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Checksums of input files for pruning.json, read in streaming fashion (weights can be large). */
public final class Sha256 {
    /** A file and the SHA-256 of its bytes (hex). */
    public record FileDigest(String path, String sha256) {}

    private Sha256() {}

    /** The lowercase hex sha256 of a file's bytes. */
    public static String of(Path file) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read to compute its checksum: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static FileDigest digest(Path file) {
        return new FileDigest(file.toString(), of(file));
    }

    /**
     * The weight files of a checkpoint with their checksums: a single file as is, or in a
     * directory every *.safetensors, *.bin and *.gguf file, sorted by name.
     */
    public static List<FileDigest> weightFiles(Path model) {
        if (!Files.isDirectory(model)) return List.of(digest(model));
        List<Path> files;
        try (Stream<Path> s = Files.list(model)) {
            files = new ArrayList<>(s.filter(Files::isRegularFile).filter(Sha256::isWeightFile).sorted().toList());
        } catch (IOException e) {
            throw new BadInputException(model, "cannot list the model directory: " + e.getMessage(), e);
        }
        List<FileDigest> out = new ArrayList<>();
        for (Path f : files) out.add(digest(f));
        return out;
    }

    private static boolean isWeightFile(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".gguf");
    }
}
