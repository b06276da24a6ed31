package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.SharedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Texts for comparing tokenizers: corpus samples, hand-written edge cases, random Unicode. */
final class TestTexts {
    private TestTexts() {}

    static final List<String> EDGE_CASES = List.of(
            "", " ", "  ", "\n", "\t", "\r\n", "a", "Hello world", " Hello", "Hello ", "  two  leading and trailing  ",
            "multiple   spaces    here", "tabs\tand\t\ttabs", "windows\r\nline\r\nends\r\n", "mixed \n\t \r\n  end",
            "\n\n\nnewlines first", "trailing newlines\n\n", "   \n   ", "\u00a0non-breaking\u00a0space\u202f\u3000ideographic",
            "Emoji 👍🏽 🇫🇷🇯🇵 family 👨‍👩‍👧‍👦 rainbow 🏳️‍🌈 keycap 1️⃣ 🙂🙂🙂",
            "東京は日本の首都です。北京欢迎你。한국어 텍스트", "עברית ימין לשמאל and العربية من اليمين", "ﷺ ﷽",
            "combining: e\u0301 a\u0308 n\u0303 \u1100\u1161\u11a8 Z\u0351\u0352\u0357\u035b", "Ångström Å Å", "ﬁ ﬂ ＡＢＣ １２３ ①②",
            "<s>", "</s>", "<unk>", "a <s> b </s> c", "<s><s></s>", "text<s>glued</s>text", "<unk><unk> x",
            "<|begin_of_text|>Hello<|end_of_text|>", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            "<think>\nreasoning\n</think>\n\nanswer", "<tool_call>{\"a\": 1}</tool_call>", "<|endoftext|><|fim_prefix|>x",
            "<|begin_of_text|", "|begin_of_text|>", "< s >", "<S>", "<0x0A>", "▁▁ already marked ▁", "Ġ Ċ ċ",
            "don't DON'T I'm you're they've we'll she'd IT'S 's 'S 'ſ ’s", "1234567890 12.5% 3,141,592 ٣٤٥ ४५६",
            "x=1;y=2 && z!=3 || a->b :: c++ / * ~ ` ^", "url: https://example.com/a?b=c&d=e#f", "email@example.org",
            "a\u200db\u200cc\ufeffd", "\u0000null\u0001ctrl\u007fdel", "\u2028line\u2029para\u0085nel",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 𠀀𠀁 𐍈", "Ελληνικά, русский, ქართული, Հայերեն, ไทย, हिन्दी", "ΣΊΣΥΦΟΣ όσος",
            "a".repeat(300), "ab ".repeat(200), "\u2581".repeat(5) + "x", " ".repeat(40) + "x", "!!!???...,,,;;;");

    /** Texts around the added tokens of {@code DjlVariantTest}: stripping, single words, normalized matches. */
    static final List<String> ADDED_TOKEN_CASES = List.of(
            "hello world", "say hello world!", "Hello World", "hello  world", "hello world<|x|>hello world",
            "ahello worldb", " hello world ", "a<|x|>b", " <|x|> ", "<|x|><|x|>", "x <mask> y", "x<mask>y",
            "  <mask>  ", "<mask><mask>", "\t<mask>\u2000z", "a  <mask>", "<mask>  a", "<sw> a", "a<sw> b",
            "a <sw>b", "a <sw> b", "\u00e9<sw>", "-<sw>-", "<sw>", "a\u0301<sw>", "<s><mask></s>", "[L]  [R]  x",
            "x  [L]  y", "x  [R]  y", " [L]", "[R] ", "Yes", "Yes!", "yes", "YesYes", "say Yes now", "  Yes  ",
            "ab", "abc", "cab", "a b", "<s> hello world</s>", "</s>hello", "<s>", " <s> ", "<mask>hello world",
            "hello world<mask>", "\u2581hello world", "<|x|> <|x|>", "<|x|>hello", "x<s>hello</s>y");

    /** Pieces that {@link #randomJoins} glues together to hit added tokens from every side. */
    static final List<String> ADDED_TOKEN_BITS = List.of("hello world", "hello", " world", "<|x|>", "<mask>", "<sw>",
            "[L]", "[R]", "Yes", "ab", "<s>", "</s>", " ", "  ", "\t", "\n", "a", "\u00e9", "\u2581", "-", "b",
            "\u3000", "\u0301", "x y");

    /** Seeded texts of 0 to 8 {@code bits} in a row. */
    static List<String> randomJoins(long seed, int count, List<String> bits) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(9); i > 0; i--) text.append(bits.get(random.nextInt(bits.size())));
            texts.add(text.toString());
        }
        return texts;
    }

    /** Lines of the evaluation corpora (at most {@code perCorpus} non-empty ones from each). */
    static List<String> corpusLines(int perCorpus) {
        List<String> texts = new ArrayList<>();
        Path eval = SharedData.evalDir();
        texts.addAll(lines(eval.resolve("wikitext2-hf-joined/wikitext-test.txt"), perCorpus));
        texts.addAll(lines(eval.resolve("ptb/ptb.test.txt"), perCorpus / 2));
        texts.addAll(lines(eval.resolve("tinystories/tinystories_val.txt"), perCorpus / 2));
        texts.addAll(jsonStrings(eval.resolve("c4/c4_sample.jsonl"), perCorpus / 10));
        for (String task : List.of("arc_easy/arc_easy.jsonl", "arc_challenge/arc_challenge.jsonl", "boolq/boolq.jsonl",
                "piqa/piqa.jsonl", "winogrande/winogrande.jsonl", "lambada/lambada_openai.jsonl",
                "openbookqa/openbook_qa.jsonl")) {
            texts.addAll(jsonStrings(eval.resolve(task), perCorpus / 20));
        }
        return texts;
    }

    private static List<String> lines(Path file, int limit) {
        if (!Files.exists(file)) return List.of();
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).limit(limit).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every string value (also inside arrays) of the first {@code limit} JSON lines. */
    private static List<String> jsonStrings(Path file, int limit) {
        if (!Files.exists(file)) return List.of();
        List<String> texts = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line;
            for (int n = 0; n < limit && (line = reader.readLine()) != null; n++) collect(json.readTree(line), texts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return texts;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isTextual()) out.add(node.asText());
        else for (JsonNode child : node) collect(child, out);
    }

    /** Code point ranges that random texts draw from: scripts, marks, symbols, emoji, astral, unassigned. */
    private static final int[][] RANGES = {
            {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0x09, 0x0D}, {0x00, 0x1F}, {0x80, 0xFF}, {0x100, 0x24F},
            {0x250, 0x2FF}, {0x300, 0x36F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x530, 0x58F}, {0x590, 0x5FF},
            {0x600, 0x6FF}, {0x900, 0x97F}, {0x980, 0xDFF}, {0xE00, 0xE7F}, {0x10A0, 0x10FF}, {0x1100, 0x11FF},
            {0x1680, 0x1680}, {0x1E00, 0x1FFF}, {0x2000, 0x206F}, {0x2070, 0x22FF}, {0x2300, 0x27BF},
            {0x2E80, 0x2FDF}, {0x3000, 0x30FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xABFF},
            {0xAC00, 0xD7AF}, {0xE000, 0xE0FF}, {0xF900, 0xFAFF}, {0xFB00, 0xFDFF}, {0xFE00, 0xFE0F},
            {0xFE10, 0xFFFD}, {0x10000, 0x1034F}, {0x10400, 0x10FFF}, {0x11000, 0x11FFF}, {0x16800, 0x16FFF},
            {0x1D400, 0x1D7FF}, {0x1E800, 0x1EFFF}, {0x1F000, 0x1F2FF}, {0x1F300, 0x1FAFF}, {0x1FB00, 0x1FFFF},
            {0x20000, 0x2A6DF}, {0x2A700, 0x2FFFF}, {0x30000, 0x323AF}, {0xE0000, 0xE01EF}, {0xF0000, 0xF00FF},
            {0x200D, 0x200D}, {0x1F3FB, 0x1F3FF}, {0x1F1E6, 0x1F1FF},
            // Assigned after the reference library's Unicode data (see reference-unicode.txt).
            {0x0897, 0x089F}, {0x1ABF, 0x1ACE}, {0x1DF6, 0x1DFF}, {0x105C0, 0x105FF}, {0x10D40, 0x10D8F},
            {0x11380, 0x113FF}, {0x11F00, 0x11F5F}, {0x16D40, 0x16D7F}, {0x16FF0, 0x16FF1}, {0x1E4D0, 0x1E5FF}};

    private static final List<String> SPECIAL_BITS = List.of("<s>", "</s>", "<unk>", "<|begin_of_text|>",
            "<|end_of_text|>", "<|im_start|>", "<think>", "<|endoftext|>", "'s", "'LL", "\r\n", "  ", "▁", "Ġ");

    /** Seeded random strings of 0 to 40 code points; surrogates are skipped (Rust strings cannot hold them). */
    static List<String> randomUnicode(long seed, int count) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(41);
            for (int i = 0; i < length; i++) {
                if (random.nextInt(30) == 0) {
                    text.append(SPECIAL_BITS.get(random.nextInt(SPECIAL_BITS.size())));
                    continue;
                }
                int[] range = RANGES[random.nextInt(RANGES.length)];
                int cp = range[0] + random.nextInt(range[1] - range[0] + 1);
                if (cp >= 0xD800 && cp <= 0xDFFF) continue;
                text.appendCodePoint(cp);
            }
            texts.add(text.toString());
        }
        return texts;
    }
}
