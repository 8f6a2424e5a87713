package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every wkr user depends on this module, so it brings only what the client needs (JeroMQ, Kryo):
 * no CLI library and no histogram library (those are {@code wkr-bench}'s), and no logging binding
 * (an application chooses its own). Checked on this module's test class path, which holds
 * exactly its dependencies plus JUnit and AssertJ.
 */
class LibraryClassPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"picocli.CommandLine", "org.HdrHistogram.Histogram", "ch.qos.logback.classic.Logger"})
    void shouldNotBringToolOrLoggingLibraries(String className) {
        assertThatThrownBy(() -> Class.forName(className, false, getClass().getClassLoader()))
                .as("%s must not be on wkr-client's class path", className)
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void shouldBringWhatTheClientUses() throws ClassNotFoundException {
        // the check above is only meaningful if this class path does hold the client's dependencies
        assertThat(Class.forName("org.zeromq.ZMQ", false, getClass().getClassLoader())).isNotNull();
        assertThat(Class.forName("com.esotericsoftware.kryo.Kryo", false, getClass().getClassLoader())).isNotNull();
    }
}
