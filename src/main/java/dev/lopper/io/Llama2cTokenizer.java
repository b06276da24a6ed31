package dev.lopper.io;

import dev.lopper.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c {@code tokenizer.bin}: int32 max_token_length, then per token a float32 score,
 * an int32 byte length and the bytes (little-endian). Ids 0, 1, 2 are unk, BOS, EOS; byte
 * tokens {@code <0xXX>} are ids 3..258. Encoding follows run.c's {@code encode}.
 */
public final class Llama2cTokenizer implements Tokenizer {

    private static final int UNK = 0, BOS = 1, EOS = 2, FIRST_BYTE_TOKEN = 3;

    private final Path file;
    private final byte[][] pieces;
    private final float[] scores;
    /** Piece → id, keyed by the piece's bytes as ISO-8859-1 so any byte sequence is a key. */
    private final Map<String, Integer> idOfPiece = new HashMap<>();
    /**
     * (left id, right id) → id of the concatenated piece, for every way to split every piece
     * into two pieces: the same answers as run.c's string lookup of the concatenation, without
     * building a string per candidate pair.
     */
    private final Map<Long, Integer> mergeOfPair = new HashMap<>();
    /** For each id, the raw byte a {@code <0xXX>} piece stands for, or -1. */
    private final int[] byteValue;

    private Llama2cTokenizer(Path file, byte[][] pieces, float[] scores) {
        this.file = file;
        this.pieces = pieces;
        this.scores = scores;
        this.byteValue = new int[pieces.length];
        for (int id = 0; id < pieces.length; id++) {
            idOfPiece.putIfAbsent(key(pieces[id]), id); // run.c's binary search may pick any duplicate
            byteValue[id] = parseByteToken(pieces[id]);
        }
        for (byte[] piece : pieces) {
            String whole = key(piece);
            int merged = idOfPiece.get(whole);
            for (int cut = 1; cut < whole.length(); cut++) {
                Integer left = idOfPiece.get(whole.substring(0, cut));
                Integer right = idOfPiece.get(whole.substring(cut));
                if (left != null && right != null) mergeOfPair.putIfAbsent(pair(left, right), merged);
            }
        }
    }

    public static Llama2cTokenizer load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "tokenizer file not found");
        }
        ByteBuffer in;
        try {
            in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read tokenizer: " + e.getMessage(), e);
        }
        if (in.remaining() < 4) throw corrupt(file, "shorter than its 4-byte header");
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0 || maxTokenLength > 4096) {
            throw corrupt(file, "max_token_length " + maxTokenLength + " is implausible");
        }
        List<byte[]> pieceList = new ArrayList<>();
        List<Float> scoreList = new ArrayList<>();
        while (in.hasRemaining()) {
            int id = pieceList.size();
            if (in.remaining() < 8) throw corrupt(file, "token " + id + " is cut off");
            float score = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength || length > in.remaining()) {
                throw corrupt(file, "token " + id + " has length " + length
                        + " (max_token_length " + maxTokenLength + ", " + in.remaining() + " bytes left)");
            }
            byte[] piece = new byte[length];
            in.get(piece);
            pieceList.add(piece);
            scoreList.add(score);
        }
        if (pieceList.size() <= FIRST_BYTE_TOKEN) throw corrupt(file, "has only " + pieceList.size() + " tokens");
        float[] scores = new float[scoreList.size()];
        for (int i = 0; i < scores.length; i++) scores[i] = scoreList.get(i);
        return new Llama2cTokenizer(file, pieceList.toArray(byte[][]::new), scores);
    }

    /**
     * A tokenizer of the same kind from pieces and scores held elsewhere (a GGUF file's
     * SentencePiece vocabulary, spaces as ' '); ids 0, 1, 2 must be unk, BOS, EOS and 3..258 the
     * byte tokens, as in Llama 2's vocabulary.
     */
    public static Llama2cTokenizer of(Path origin, byte[][] pieces, float[] scores) {
        if (pieces.length <= FIRST_BYTE_TOKEN + 255 || pieces.length != scores.length)
            throw corrupt(origin, "has only " + pieces.length + " tokens");
        for (int b = 0; b < 256; b++) {
            String expected = String.format("<0x%02X>", b);
            if (!expected.equals(new String(pieces[FIRST_BYTE_TOKEN + b], StandardCharsets.UTF_8)))
                throw new BadInputException(origin, "token " + (FIRST_BYTE_TOKEN + b) + " is not the byte token " + expected
                        + "; Lopper reads SentencePiece vocabularies laid out as Llama 2's (unk, BOS, EOS, 256 byte tokens)");
        }
        return new Llama2cTokenizer(origin, pieces.clone(), scores.clone());
    }

    public Path file() {
        return file;
    }

    /** Writes this vocabulary as a llama2.c tokenizer.bin (max token length, then score, length, bytes per token). */
    public void writeBin(Path out) throws IOException {
        int max = 1;
        for (byte[] p : pieces) max = Math.max(max, p.length);
        long size = 4;
        for (byte[] p : pieces) size += 8 + p.length;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(max);
        for (int id = 0; id < pieces.length; id++) b.putFloat(scores[id]).putInt(pieces[id].length).put(pieces[id]);
        Files.write(out, b.array());
    }

    /**
     * run.c: a dummy-prefix space unless the text is empty, one token per UTF-8 code point
     * (each byte as a byte token when the code point is not in the vocabulary), then merges.
     */
    @Override
    public int[] encode(String text, boolean addBos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 1];
        int n = 0;
        if (utf8.length > 0) tokens[n++] = lookupOrByte(" ".getBytes(StandardCharsets.US_ASCII), 0, 1)[0];
        for (int start = 0; start < utf8.length; ) {
            int end = start + 1;
            // As run.c: continuation bytes join the code point, at most 4 bytes in all.
            while (end < utf8.length && (utf8[end] & 0xC0) == 0x80 && end - start < 4) end++;
            for (int id : lookupOrByte(utf8, start, end)) tokens[n++] = id;
            start = end;
        }
        int[] merged = ScoreMerger.merge(Arrays.copyOf(tokens, n), this::mergedId, scores);
        if (!addBos) return merged;
        int[] out = new int[merged.length + 1];
        out[0] = BOS;
        System.arraycopy(merged, 0, out, 1, merged.length);
        return out;
    }

    /**
     * Assembles the bytes of all pieces and reads them as UTF-8. BOS, EOS and unk are skipped;
     * the leading space of the first piece (the dummy prefix) is dropped, at the start of the
     * text (as SentencePiece does) and after each BOS (as run.c does).
     */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean atStart = true;
        for (int id : ids) {
            if (id == BOS) {
                atStart = true;
                continue;
            }
            if (id == EOS || id == UNK) continue;
            appendPiece(bytes, id, atStart);
            atStart = false;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * run.c's {@code decode(prev, token)}: the piece, without its leading space after BOS; a
     * byte token gives its byte. A lone byte of a multi-byte character is not text and comes
     * out as U+FFFD; {@link StreamingDecoder} waits for the whole character instead.
     */
    @Override
    public String decodeToken(int previous, int id) {
        if (id == BOS || id == EOS || id == UNK) return "";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        appendPiece(bytes, id, previous == BOS);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    /** The piece's text as stored (byte tokens as {@code <0xXX>}), for tests and tools. */
    public String piece(int id) {
        return new String(pieces[id], StandardCharsets.UTF_8);
    }

    public float score(int id) {
        return scores[id];
    }

    @Override
    public String toString() {
        return "Llama2cTokenizer[" + file + ", " + pieces.length + " tokens]";
    }

    private void appendPiece(ByteArrayOutputStream out, int id, boolean stripLeadingSpace) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + pieces.length);
        }
        if (byteValue[id] >= 0) {
            out.write(byteValue[id]);
            return;
        }
        byte[] piece = pieces[id];
        int from = stripLeadingSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        out.write(piece, from, piece.length - from);
    }

    private int[] lookupOrByte(byte[] text, int start, int end) {
        Integer id = idOfPiece.get(new String(text, start, end - start, StandardCharsets.ISO_8859_1));
        if (id != null) return new int[] {id};
        int[] bytes = new int[end - start];
        for (int i = start; i < end; i++) bytes[i - start] = (text[i] & 0xFF) + FIRST_BYTE_TOKEN;
        return bytes;
    }

    private int mergedId(int left, int right) {
        // Every id in a sequence is the first id of its piece, as in the table.
        return mergeOfPair.getOrDefault(pair(left, right), -1);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static String key(byte[] piece) {
        return new String(piece, StandardCharsets.ISO_8859_1);
    }

    /** The byte of a {@code <0xXX>} piece, or -1. */
    private static int parseByteToken(byte[] piece) {
        if (piece.length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>') {
            return -1;
        }
        int hi = Character.digit(piece[3], 16), lo = Character.digit(piece[4], 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static BadInputException corrupt(Path file, String problem) {
        return new BadInputException(file, "corrupt llama2.c tokenizer: " + problem);
    }
}
