package dev.lopper.data;

import dev.lopper.calib.CalibrationTokens;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The demo's bundled texts are exact prefixes of the data folder's files, long enough that the
 * demo's figures are the same with either: the first 200 windows of 128 tokens of WikiText-2,
 * and the calibration tokens (64 windows of 512 tokens drawn from the first 65,536).
 */
class DemoDataTest {
    private static final Path DATA = Path.of("../shared/data");
    private static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");

    @Test
    void bundledTextsAreThere() {
        List<TextCorpus> corpora = DemoTexts.evaluation(Path.of("no-such-data-folder"));
        assertEquals(List.of("wikitext2"), corpora.stream().map(TextCorpus::name).toList(), "no PTB without a data folder");
        assertTrue(corpora.getFirst().text().startsWith("\n\n = Robert Boulter = \n"));
        assertTrue(TextCorpus.resolve(DemoTexts.calibration().toString(), null).text()
                .startsWith("Beginners BBQ Class Taking Place in Missoula!"));
        assertTrue(Files.isRegularFile(DemoTexts.bundled("SOURCES.md")));
        assertTrue(Files.isRegularFile(DemoTexts.bundled("LICENSE.md")));
    }

    @Test
    void slicesArePrefixesThatGiveTheSameTokensAsTheWholeFiles() throws Exception {
        Path wiki = DATA.resolve("eval/wikitext2-hf-joined/wikitext-test.txt"), c4 = DATA.resolve("eval/c4/c4_sample.jsonl");
        assumeTrue(Files.isRegularFile(wiki) && Files.isRegularFile(c4), "needs ../shared/data");
        byte[] slice = Files.readAllBytes(DemoTexts.bundled(DemoTexts.WIKITEXT2)), whole = Files.readAllBytes(wiki);
        assertArrayEquals(slice, Arrays.copyOf(whole, slice.length), "WikiText-2 slice is a byte prefix");
        byte[] cSlice = Files.readAllBytes(DemoTexts.calibration()), cWhole = Files.readAllBytes(c4);
        assertArrayEquals(cSlice, Arrays.copyOf(cWhole, cSlice.length), "C4 slice is a byte prefix");

        try (Tokenizer tok = Tokenizers.forModel(MODEL, null)) {
            int need = 200 * 128;
            int[] a = tok.encode(DemoTexts.evaluation(null).getFirst().text(), true);
            int[] b = tok.encode(TextCorpus.resolve("wikitext2", DATA).text(), true);
            assertTrue(a.length >= need, a.length + " tokens");
            assertArrayEquals(Arrays.copyOf(b, need), Arrays.copyOf(a, need), "the demo's 200 windows");
            long wanted = 2L * 64 * 512;
            int[] ca = CalibrationTokens.encode(tok, TextCorpus.resolve(DemoTexts.calibration().toString(), null).text(), wanted);
            int[] cb = CalibrationTokens.encode(tok, TextCorpus.resolve("c4", DATA).text(), wanted);
            assertArrayEquals(cb, ca, "the demo's calibration tokens");
        }
    }
}
