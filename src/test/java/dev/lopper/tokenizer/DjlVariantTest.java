package dev.lopper.tokenizer;

import static dev.lopper.tokenizer.TokenizerVariants.addToken;
import static dev.lopper.tokenizer.TokenizerVariants.parse;
import static dev.lopper.tokenizer.TokenizerVariants.vocabSize;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lopper's pipeline against the Rust library on variants of the real tokenizer.json files
 * (see {@link TokenizerVariants}): Metaspace in each form, added tokens with every option,
 * ByteLevel's own regex and the Unicode normalizers (Lowercase and NFKC with normalized added tokens).
 */
class DjlVariantTest {
    private static final String LLAMA2 = "tokenizers/llama2/tokenizer.json";
    private static final String LLAMA3 = "tokenizers/llama3/tokenizer.json";

    @TempDir
    static Path dir;

    static Stream<Arguments> metaspaceForms() {
        List<Arguments> forms = new ArrayList<>();
        for (String scheme : List.of("always", "first", "never")) {
            for (boolean split : new boolean[] {true, false}) {
                for (boolean metaspaceDecoder : new boolean[] {true, false}) forms.add(Arguments.of(scheme, split, metaspaceDecoder));
            }
        }
        return forms.stream();
    }

    @ParameterizedTest(name = "prepend_scheme={0} split={1} metaspace decoder={2}")
    @MethodSource("metaspaceForms")
    void llama2WithMetaspace(String scheme, boolean split, boolean metaspaceDecoder) {
        compare(LLAMA2, "metaspace-" + scheme + "-" + split + "-" + metaspaceDecoder,
                TokenizerVariants.metaspace(scheme, split, metaspaceDecoder), texts(100, 300));
    }

    /**
     * The older Metaspace options: add_prefix_space, split absent. HF refuses add_prefix_space
     * false unless prepend_scheme is "never" (TokenizerJsonTest checks that Lopper refuses too).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"add_prefix_space\": true", "\"add_prefix_space\": false, \"prepend_scheme\": \"never\"",
            "\"add_prefix_space\": true, \"prepend_scheme\": \"first\""})
    void llama2WithLegacyMetaspace(String options) {
        String metaspace = """
                {"type": "Metaspace", "replacement": "▁", %s}""".formatted(options);
        compare(LLAMA2, "metaspace-legacy-" + Integer.toHexString(options.hashCode()), root -> {
            root.putNull("normalizer");
            root.set("pre_tokenizer", parse(metaspace));
            root.set("decoder", parse(metaspace));
        }, texts(100, 200));
    }

    /** Added tokens of every kind, after the vocabulary, in the original and in the Metaspace form. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"original", "first", "always"})
    void llama2WithAddedTokens(String form) {
        Consumer<ObjectNode> edit = root -> {
            if (!form.equals("original")) TokenizerVariants.metaspace(form, false, false).accept(root);
            int next = vocabSize(root);
            addToken(root, next++, "hello world", false, true, false, false, false);
            addToken(root, next++, "<|x|>", false, false, false, false, false);
            addToken(root, next++, "<mask>", true, false, true, true, false);
            addToken(root, next++, "<sw>", true, false, false, false, true);
            addToken(root, next++, "[L]", true, false, true, false, false);
            addToken(root, next++, "[R]", true, false, false, true, false);
            addToken(root, next++, "Yes", false, true, true, true, true);
            addToken(root, next++, "ab", false, true, false, false, false);
        };
        List<String> texts = new ArrayList<>(TestTexts.ADDED_TOKEN_CASES);
        texts.addAll(TestTexts.randomJoins(form.hashCode(), 600, TestTexts.ADDED_TOKEN_BITS));
        texts.addAll(texts(100, 300));
        compare(LLAMA2, "added-" + form, edit, texts);
    }

    /**
     * Ids as a hand-edited file may have them: gaps after the vocabulary, a token already in the
     * vocabulary under another id, a content listed twice. HF renumbers; so must we.
     */
    @Test
    void llama2WithAddedTokenIdsThatHfRenumbers() {
        Consumer<ObjectNode> edit = root -> {
            int size = vocabSize(root);
            addToken(root, size + 5, "<|x|>", false, false, false, false, false);
            addToken(root, size + 2, "<mask>", true, false, true, true, false);
            addToken(root, 7, "Yes", false, false, false, false, false);
            addToken(root, size + 40, "<sw>", true, false, false, false, true);
            addToken(root, size + 41, "<|x|>", true, false, false, false, false);
            addToken(root, size + 1, "[L]", false, true, false, false, false);
        };
        List<String> texts = new ArrayList<>(TestTexts.ADDED_TOKEN_CASES);
        texts.addAll(TestTexts.randomJoins(7, 300, TestTexts.ADDED_TOKEN_BITS));
        compare(LLAMA2, "added-renumbered", edit, texts);
    }

    static Stream<Arguments> llama3Forms() {
        String byteLevel = """
                {"type": "ByteLevel", "add_prefix_space": %s, "trim_offsets": true, "use_regex": true}""";
        return Stream.of(
                Arguments.of("bytelevel-regex", (Consumer<ObjectNode>) root ->
                        root.set("pre_tokenizer", parse(byteLevel.formatted("false")))),
                Arguments.of("bytelevel-regex-prefix", (Consumer<ObjectNode>) root ->
                        root.set("pre_tokenizer", parse(byteLevel.formatted("true")))),
                Arguments.of("nfd-strip-accents-lowercase", (Consumer<ObjectNode>) root -> root.set("normalizer", parse("""
                        {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"}, {"type": "Lowercase"}]}"""))),
                Arguments.of("nfkd-bytelevel-regex", (Consumer<ObjectNode>) root -> {
                    root.set("normalizer", parse("{\"type\": \"NFKD\"}"));
                    root.set("pre_tokenizer", parse(byteLevel.formatted("false")));
                }),
                // BLOOM's pipeline (bigscience/bloom's tokenizer.json) on Llama 3's vocabulary
                Arguments.of("bloom-split-bytelevel", (Consumer<ObjectNode>) root -> {
                    root.putNull("normalizer");
                    root.set("pre_tokenizer", parse(BloomTokenizerJsonTest.PRE_TOKENIZER));
                    root.set("decoder", parse(BloomTokenizerJsonTest.DECODER));
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("llama3Forms")
    void llama3Variants(String name, Consumer<ObjectNode> edit) {
        compare(LLAMA3, "llama3-" + name, edit, texts(100, 300));
    }

    /** Normalized added tokens under a normalizer that changes them (Lowercase, NFKC), on Llama 3. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Lowercase", "NFKC"})
    void llama3WithNormalizedAddedTokens(String normalizer) {
        Consumer<ObjectNode> edit = root -> {
            root.set("normalizer", parse("{\"type\": \"" + normalizer + "\"}"));
            int next = vocabSize(root) + ((com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens")).size();
            addToken(root, next++, "Hello World", false, true, false, false, false);
            addToken(root, next++, "\uFB01x", false, true, false, false, true); // "ﬁx": NFKC makes it "fix"
            addToken(root, next++, "<MASK>", true, true, true, true, false);
            addToken(root, next++, "Yes", false, false, false, false, true);
        };
        List<String> bits = new ArrayList<>(TestTexts.ADDED_TOKEN_BITS);
        bits.addAll(List.of("Hello World", "HELLO WORLD", "fix", "\uFB01x", "FIX", "<MASK>", "<mask>", "YES", "Yes"));
        List<String> texts = new ArrayList<>(TestTexts.ADDED_TOKEN_CASES);
        texts.addAll(TestTexts.randomJoins(normalizer.hashCode(), 600, bits));
        texts.addAll(texts(100, 300));
        compare(LLAMA3, "llama3-added-" + normalizer, edit, texts);
    }

    /** BPEDecoder turns its suffix into spaces, except on the last token. */
    @Test
    void llama2WithBpeDecoder() {
        compare(LLAMA2, "bpe-decoder", root -> root.set("decoder", parse("{\"type\": \"BPEDecoder\", \"suffix\": \"\u2581\"}")),
                texts(100, 100));
    }

    private static final java.util.Map<Integer, List<String>> CORPUS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Edge cases, the first corpus lines (read once per count) and seeded random Unicode. */
    private static List<String> texts(int corpusLines, int random) {
        List<String> texts = new ArrayList<>(TestTexts.EDGE_CASES);
        texts.addAll(CORPUS.computeIfAbsent(corpusLines, TestTexts::corpusLines));
        texts.addAll(TestTexts.randomUnicode(random * 31L + corpusLines, random));
        return texts;
    }

    private static void compare(String original, String name, Consumer<ObjectNode> edit, List<String> texts) {
        Path file = TokenizerVariants.write(SharedData.require(original), dir, name, edit);
        TokenizerPipeline ours = TokenizerJson.load(file);
        try (ReferenceTokenizer reference = new ReferenceTokenizer(file)) {
            DjlDifferentialTest.assertSame(name, ours, reference, texts);
            DjlDifferentialTest.assertIdsDecodeTheSame(name, ours, reference, 1000);
        }
    }
}
