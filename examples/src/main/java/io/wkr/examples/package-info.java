/** Example workers and the clients that call them; compiled and run in the build. */
package io.wkr.examples;
