#pragma once

// Sizes a top-level window or dialog so that it fits the screen it will appear on (a 1024x700
// screen included): the preferred size, shrunk to the available area minus room for the frame, and
// placed over its parent window (else centred on the screen), never partly off-screen. GUI thread only.

#include <QSize>

class QWidget;

namespace mwb::ui {

void fitToScreen(QWidget* window, QSize preferred);

} // namespace mwb::ui
