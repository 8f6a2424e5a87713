package io.wkr.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * This module's tests use wkr-server the way an application that embeds the server does: as a
 * plain Maven dependency, with nothing of its own that configures logging. Logback, which
 * wkr-server's launchers use, must not arrive that way; an application picks its own SLF4J
 * binding (docs/configuration.md, "Logging").
 */
class LibraryClassPathTest {

    @Test
    void shouldNotGetLogbackFromWkrServer() throws ClassNotFoundException {
        ClassLoader loader = getClass().getClassLoader();
        // wkr-server and its real dependencies are here, so their absence below means something
        assertThat(Class.forName("io.wkr.server.WKRServer", false, loader)).isNotNull();
        assertThat(Class.forName("org.slf4j.LoggerFactory", false, loader)).isNotNull();
        assertThatThrownBy(() -> Class.forName("ch.qos.logback.classic.Logger", false, loader))
                .as("logback-classic must not reach wkr-server's library users")
                .isInstanceOf(ClassNotFoundException.class);
    }
}
