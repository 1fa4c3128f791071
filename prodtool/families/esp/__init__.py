"""Espressif chips (ESP32-C3, ESP32) through the esptool library, and their ROM simulator."""
