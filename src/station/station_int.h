/* What the token station's files share (station.h names them). */
#ifndef FINCA_STATION_INT_H
#define FINCA_STATION_INT_H

#include "station/station.h"

/* Finds the token (st->a.serial or the only one) and opens a session
 * when it is initialised. */
int station_token(struct station *st);
/* The PIN of the token in front of us (asked of the door), and a login
 * with it. */
int station_user_login(struct station *st);

#endif
