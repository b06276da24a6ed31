package dev.lopper.allocation.search.cluster;

import dev.lopper.BadInputException;
import dev.lopper.BadSettingException;
import dev.lopper.Setting;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** HOST:PORT of the driver (where it listens, where workers join); a bare PORT is on loopback. */
public record Address(String host, int port) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 5701;

    /** Parses {@code HOST:PORT}, {@code PORT} or {@code HOST} ({@code option} names the option in errors). */
    public static Address parse(String s, Setting option) {
        String t = s.trim();
        String host = LOOPBACK;
        String port = t;
        int colon = t.lastIndexOf(':');
        if (colon >= 0) {
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        } else if (!t.chars().allMatch(Character::isDigit)) {
            host = t;
            port = String.valueOf(DEFAULT_PORT);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new BadSettingException(option, "must be HOST:PORT, not '" + s + "'");
        }
        if (p < 1 || p > 65535) throw new BadInputException(option.mention() + ": port " + p + " is not in 1..65535");
        if (host.isBlank()) throw new BadSettingException(option, "must be HOST:PORT, not '" + s + "'");
        return new Address(host, p);
    }

    /** The host's address ({@code option} names the option in errors). */
    public InetAddress resolve(Setting option) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new BadInputException(option.mention() + ": unknown host '" + host + "'");
        }
    }

    public boolean loopback(Setting option) {
        return resolve(option).isLoopbackAddress();
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
