package dev.lopper.tokenizer;

import java.util.Arrays;

/** A growable byte array, for decoders that gather bytes before turning them into text. */
final class ByteList {
    private byte[] data = new byte[64];
    private int size;

    void add(int b) {
        if (size == data.length) data = Arrays.copyOf(data, size * 2);
        data[size++] = (byte) b;
    }

    byte[] array() {
        return data;
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }
}
