#include "widgets/window_fit.h"

#include <QGuiApplication>
#include <QScreen>
#include <QWidget>

namespace mwb::ui {

void fitToScreen(QWidget* window, QSize preferred)
{
    QWidget* anchor = window->parentWidget() ? window->parentWidget()->window() : nullptr;
    QScreen* screen = anchor ? anchor->screen() : window->screen();
    if (!screen)
        screen = QGuiApplication::primaryScreen();
    if (!screen) {
        window->resize(preferred);
        return;
    }
    // Room for the title bar and frame the window manager adds around the client area.
    constexpr int kFrameWidth = 16;
    constexpr int kFrameHeight = 48;
    const QRect available = screen->availableGeometry();
    const QSize size =
        preferred.boundedTo(QSize(available.width() - kFrameWidth, available.height() - kFrameHeight))
            .expandedTo(window->minimumSize());
    window->resize(size);
    const QPoint centre = anchor ? anchor->frameGeometry().center() : available.center();
    QRect frame(QPoint(0, 0), size + QSize(kFrameWidth, kFrameHeight));
    frame.moveCenter(centre);
    // Keep the whole frame on the screen.
    frame.moveLeft(std::clamp(frame.left(), available.left(),
                              std::max(available.left(), available.right() - frame.width() + 1)));
    frame.moveTop(std::clamp(frame.top(), available.top(),
                             std::max(available.top(), available.bottom() - frame.height() + 1)));
    window->move(frame.topLeft());
}

} // namespace mwb::ui
