package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the code points that the reference library's Unicode normalizer (an older Unicode
 * version than the JDK's) leaves alone while java.text.Normalizer changes them. Run by hand:
 * {@code main(qwen3 tokenizer.json)}; it prints ranges for tokenizer/reference-unicode.txt.
 * It normalizes through the Qwen3 tokenizer (byte-level, so decode(encode(s)) is exactly the
 * normalized text) with its normalizer swapped for each form, then for StripAccents.
 */
final class ReferenceUnicodeProbe {
    public static void main(String[] args) throws Exception {
        Path qwen = Path.of(args[0]);
        boolean[] differs = new boolean[0x110000];
        for (String form : List.of("NFC", "NFKD")) {
            ObjectNode json = (ObjectNode) new ObjectMapper().readTree(qwen.toFile());
            json.putObject("normalizer").put("type", form);
            Path file = Files.createTempFile("probe", ".json");
            new ObjectMapper().writeValue(file.toFile(), json);
            Normalizer.Form javaForm = Normalizer.Form.valueOf(form);
            try (ReferenceTokenizer reference = new ReferenceTokenizer(file)) {
                for (int cp = 0; cp < 0x110000; cp++) {
                    if (cp >= 0xD800 && cp <= 0xDFFF || !candidate(cp)) continue;
                    for (String probe : probes(cp)) {
                        String expected = reference.decode(reference.encode(probe), false);
                        if (!expected.equals(Normalizer.normalize(probe, javaForm))) differs[cp] = true;
                    }
                }
            }
            Files.delete(file);
        }
        for (int cp = 0; cp < differs.length; cp++) {
            if (!differs[cp]) continue;
            int end = cp;
            while (end + 1 < differs.length && differs[end + 1]) end++;
            System.out.printf("normalizer %X %X%n", cp, end);
            cp = end;
        }
        printMarkDifferences(qwen);
    }

    /** Where StripAccents in the library (its older idea of a combining mark) and Character.getType disagree. */
    private static void printMarkDifferences(Path qwen) throws Exception {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(qwen.toFile());
        json.putObject("normalizer").put("type", "StripAccents");
        Path file = Files.createTempFile("probe", ".json");
        new ObjectMapper().writeValue(file.toFile(), json);
        String[] kind = new String[0x110000];
        try (ReferenceTokenizer reference = new ReferenceTokenizer(file)) {
            for (int cp = 0; cp < 0x110000; cp++) {
                if (cp >= 0xD800 && cp <= 0xDFFF) continue;
                int type = Character.getType(cp);
                boolean javaMark = type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                        || type == Character.ENCLOSING_MARK;
                String probe = "a" + Character.toString(cp) + "b";
                boolean stripped = reference.decode(reference.encode(probe), false).equals("ab");
                if (stripped != javaMark) kind[cp] = stripped ? "mark" : "notmark";
            }
        }
        Files.delete(file);
        for (int cp = 0; cp < kind.length; cp++) {
            if (kind[cp] == null) continue;
            int end = cp;
            while (end + 1 < kind.length && kind[cp].equals(kind[end + 1])) end++;
            System.out.printf("%s %X %X%n", kind[cp], cp, end);
            cp = end;
        }
    }

    /** Characters whose normalization is not the identity: marks, and anything that decomposes. */
    private static boolean candidate(int cp) {
        int type = Character.getType(cp);
        String s = Character.toString(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK || !Normalizer.isNormalized(s, Normalizer.Form.NFKD)
                || (cp >= 0x1100 && cp <= 0x11FF);
    }

    /** Alone; after a mark of class 240 (shows a reordering class); and as its own decomposition (shows composing). */
    private static List<String> probes(int cp) {
        String s = Character.toString(cp);
        List<String> probes = new ArrayList<>(List.of(s, "a\u0345" + s));
        String decomposed = Normalizer.normalize(s, Normalizer.Form.NFD);
        if (!decomposed.equals(s)) probes.add(decomposed);
        return probes;
    }
}
